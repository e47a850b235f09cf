namespace Berth.Linux;

/// <summary>Resource limits (setrlimit via prlimit(2)), by their RLIMIT_* names.</summary>
public static unsafe class Rlimits
{
    /// <summary>RLIM_INFINITY.</summary>
    public const ulong Infinity = ulong.MaxValue;

    private static readonly Dictionary<string, int> Resources = new(StringComparer.Ordinal)
    {
        ["RLIMIT_CPU"] = 0, ["RLIMIT_FSIZE"] = 1, ["RLIMIT_DATA"] = 2, ["RLIMIT_STACK"] = 3, ["RLIMIT_CORE"] = 4,
        ["RLIMIT_RSS"] = 5, ["RLIMIT_NPROC"] = 6, ["RLIMIT_NOFILE"] = 7, ["RLIMIT_MEMLOCK"] = 8, ["RLIMIT_AS"] = 9,
        ["RLIMIT_LOCKS"] = 10, ["RLIMIT_SIGPENDING"] = 11, ["RLIMIT_MSGQUEUE"] = 12, ["RLIMIT_NICE"] = 13,
        ["RLIMIT_RTPRIO"] = 14, ["RLIMIT_RTTIME"] = 15,
    };

    /// <summary>The resource number of an RLIMIT_* name, or -1 when unknown.</summary>
    public static int Resource(string name) => Resources.TryGetValue(name, out var r) ? r : -1;

    /// <summary>Sets a limit of the calling process.</summary>
    /// <exception cref="LinuxException">The kernel refused; EPERM when raising a hard limit without CAP_SYS_RESOURCE.</exception>
    public static void Set(string name, ulong soft, ulong hard)
    {
        var r = Resource(name);
        if (r < 0) throw new ArgumentException($"unknown rlimit type \"{name}\"");
        var lim = new Libc.RLimit { Cur = soft, Max = hard };
        if (Libc.prlimit(0, r, &lim, null) != 0)
            throw LinuxException.FromLastError("setrlimit", $"{name} soft={soft} hard={hard}");
    }

    /// <summary>Reads a limit of the calling process.</summary>
    public static (ulong Soft, ulong Hard) Get(string name)
    {
        var r = Resource(name);
        if (r < 0) throw new ArgumentException($"unknown rlimit type \"{name}\"");
        Libc.RLimit lim;
        if (Libc.prlimit(0, r, null, &lim) != 0) throw LinuxException.FromLastError("getrlimit", name);
        return (lim.Cur, lim.Max);
    }
}
