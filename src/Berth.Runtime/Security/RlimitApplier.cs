using System.Globalization;
using Berth.Linux;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Security;

/// <summary>
/// Applies <c>process.rlimits</c>. Resource limits belong to the whole process (setrlimit(2)), so a
/// container init applies them to itself right before execve; the payload inherits them.
/// </summary>
public static class RlimitApplier
{
    private const string FsNrOpen = "/proc/sys/fs/nr_open";

    /// <summary>
    /// Checks every entry without changing anything: the type must be a known <c>RLIMIT_*</c> name,
    /// appear once, and have soft ≤ hard.
    /// </summary>
    /// <exception cref="SecurityConfigException">Names the entry, such as
    /// <c>process.rlimits[1]: RLIMIT_NOFILE soft 2048 is above hard 1024</c>.</exception>
    public static void Validate(IReadOnlyList<RlimitSpec>? rlimits)
    {
        if (rlimits is null) return;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rlimits.Count; i++)
        {
            var field = $"process.rlimits[{i}]";
            var r = rlimits[i] ?? throw new SecurityConfigException($"{field}: null entry");
            if (Rlimits.Resource(r.Type ?? "") < 0) throw new SecurityConfigException($"{field}.type: unknown rlimit type \"{r.Type}\"");
            if (!seen.Add(r.Type!)) throw new SecurityConfigException($"{field}.type: {r.Type} is given more than once");
            if (r.Soft > r.Hard) throw new SecurityConfigException($"{field}: {r.Type} soft {r.Soft} is above hard {r.Hard}");
        }
    }

    /// <summary>
    /// Validates, then sets each limit on the calling process in order. Entries already set stay set
    /// when a later one fails.
    /// </summary>
    /// <exception cref="SecurityConfigException">An entry is invalid, or the kernel refused it; a refused
    /// raise of a hard limit says that CAP_SYS_RESOURCE is missing (or, for RLIMIT_NOFILE, that fs.nr_open
    /// is lower), with the <see cref="LinuxException"/> inside.</exception>
    public static void Apply(IReadOnlyList<RlimitSpec>? rlimits)
    {
        Validate(rlimits);
        if (rlimits is null) return;
        foreach (var r in rlimits)
        {
            try
            {
                Rlimits.Set(r.Type, r.Soft, r.Hard);
            }
            catch (LinuxException e) when (e.Errno == Errno.EPERM)
            {
                throw new SecurityConfigException(ExplainEperm(r), e);
            }
            catch (LinuxException e)
            {
                throw new SecurityConfigException($"{r.Type} soft {r.Soft} hard {r.Hard}: {e.Message}", e);
            }
        }
    }

    private static string ExplainEperm(RlimitSpec r)
    {
        var prefix = $"{r.Type} hard {Format(r.Hard)}";
        // setrlimit(2): RLIMIT_NOFILE above fs.nr_open is EPERM even with CAP_SYS_RESOURCE.
        if (r.Type == "RLIMIT_NOFILE" && ReadNrOpen() is { } nrOpen && r.Hard > nrOpen)
            return $"{prefix}: the open-files limit cannot exceed fs.nr_open ({nrOpen}) on this host";
        var current = Rlimits.Get(r.Type).Hard;
        var holder = (CapabilitySets.Get().Effective & (1UL << Capabilities.CAP_SYS_RESOURCE)) != 0
            ? "which this process has, yet the kernel refused"
            : ReadEuid() == 0 ? "which this host's root lacks" : "which this process lacks";
        return $"{prefix}: raising a hard limit above the current {Format(current)} needs CAP_SYS_RESOURCE, {holder}";
    }

    /// <summary>The effective uid, the second field of the Uid: line of /proc/self/status (proc(5)).</summary>
    private static uint ReadEuid()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("Uid:", StringComparison.Ordinal)) continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return uint.Parse(parts[2], CultureInfo.InvariantCulture);
        }
        return uint.MaxValue;
    }

    private static ulong? ReadNrOpen()
    {
        try
        {
            return ulong.Parse(File.ReadAllText(FsNrOpen).Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return null;
        }
    }

    private static string Format(ulong value) => value == Rlimits.Infinity ? "unlimited" : value.ToString(CultureInfo.InvariantCulture);
}
