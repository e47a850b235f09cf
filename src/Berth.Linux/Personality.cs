namespace Berth.Linux;

/// <summary>personality(2) execution domains.</summary>
public static class Personality
{
    /// <summary>PER_LINUX.</summary>
    public const ulong Linux = 0;
    /// <summary>PER_LINUX32.</summary>
    public const ulong Linux32 = 8;

    /// <summary>Sets the execution domain.</summary>
    public static void Set(ulong persona)
    {
        if (Libc.personality(persona) < 0) throw LinuxException.FromLastError("personality", persona.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
