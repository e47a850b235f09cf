namespace Berth.Linux;

/// <summary>Process memory housekeeping.</summary>
public static class Memory
{
    /// <summary>Returns free heap pages to the kernel (malloc_trim), so long-lived small processes stay small.</summary>
    public static void Trim() => Libc.malloc_trim(0);
}
