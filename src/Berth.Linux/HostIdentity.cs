using System.Text;

namespace Berth.Linux;

/// <summary>The UTS namespace's host and domain names.</summary>
public static unsafe class HostIdentity
{
    /// <summary>sethostname(2).</summary>
    public static void SetHostname(string name)
    {
        var b = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = b)
            if (Libc.sethostname(p, (nuint)b.Length) != 0) throw LinuxException.FromLastError("sethostname", name);
    }

    /// <summary>setdomainname(2).</summary>
    public static void SetDomainname(string name)
    {
        var b = Encoding.UTF8.GetBytes(name);
        fixed (byte* p = b)
            if (Libc.setdomainname(p, (nuint)b.Length) != 0) throw LinuxException.FromLastError("setdomainname", name);
    }
}
