using System.Globalization;
using Berth.Linux;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Security;

/// <summary>
/// Linux capabilities by their kernel names (<c>CAP_CHOWN</c> = 0 … <c>CAP_CHECKPOINT_RESTORE</c> = 40,
/// include/uapi/linux/capability.h), and the steps a container init takes on its calling thread
/// to reduce itself to the <c>process.capabilities</c> of the config.
/// </summary>
/// <remarks>
/// Capability sets, the bounding set included, belong to a thread (capabilities(7)); every method
/// that changes them acts on the calling thread only. The order a container init follows is:
/// <list type="number">
/// <item><see cref="DropBounding"/>, while still privileged (PR_CAPBSET_DROP needs CAP_SETPCAP);</item>
/// <item><see cref="PrepareUserChange"/> with the target uid, so a change away from uid 0 keeps the permitted set;</item>
/// <item>setgroups, setgid, setuid;</item>
/// <item><see cref="ApplySets"/>: capset of effective, permitted and inheritable, then the ambient set;</item>
/// <item>execve.</item>
/// </list>
/// A null <see cref="CapabilitiesSpec"/> means no capabilities at all (every set empty), as runc
/// does for a missing section; a null list inside a spec means that set is empty.
/// </remarks>
public static class Capabilities
{
    private static readonly string[] Names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
        "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
    ];

    private static readonly Dictionary<string, int> Numbers = Names
        .Select((name, index) => (name, index))
        .ToDictionary(p => p.name, p => p.index, StringComparer.Ordinal);

    private static readonly Lazy<int> LastCapValue = new(ReadLastCap);

    /// <summary>CAP_SYS_RESOURCE, needed to raise a hard resource limit.</summary>
    internal const int CAP_SYS_RESOURCE = 24;

    /// <summary>The highest capability this project knows by name (CAP_CHECKPOINT_RESTORE).</summary>
    public static int KnownLast => Names.Length - 1;

    /// <summary>
    /// The highest capability the running kernel supports, read once from
    /// <c>/proc/sys/kernel/cap_last_cap</c>.
    /// </summary>
    /// <exception cref="SecurityConfigException">The file is missing or unreadable.</exception>
    public static int LastCap => LastCapValue.Value;

    /// <summary>The number of a capability from its kernel name (case-sensitive, <c>CAP_</c> prefix).</summary>
    /// <exception cref="SecurityConfigException">The name is unknown, or the kernel does not support it.</exception>
    public static int Parse(string name)
    {
        if (!Numbers.TryGetValue(name, out var cap)) throw new SecurityConfigException($"unknown capability \"{name}\"");
        if (cap > LastCap) throw new SecurityConfigException($"capability {name} is not supported by this kernel");
        return cap;
    }

    /// <summary>The kernel name of capability <paramref name="cap"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cap"/> is not a capability this project knows.</exception>
    public static string Name(int cap)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cap);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cap, KnownLast);
        return Names[cap];
    }

    /// <summary>The 64-bit mask (bit N = capability N) of a list of names; null or empty gives 0.</summary>
    /// <exception cref="SecurityConfigException">A name is unknown or unsupported by the kernel.</exception>
    public static ulong Mask(IEnumerable<string>? names)
    {
        ulong mask = 0;
        if (names is null) return mask;
        foreach (var name in names) mask |= 1UL << Parse(name);
        return mask;
    }

    /// <summary>
    /// Checks every name of every set and the relations the kernel enforces on the result:
    /// effective ⊆ permitted, inheritable ⊆ bounding. Ambient names are checked but not their relation: an
    /// ambient capability outside permitted ∩ inheritable is skipped when applied, as runc does (its own
    /// <c>runc spec</c> lists ambient capabilities with an empty inheritable set). Changes nothing.
    /// </summary>
    /// <exception cref="SecurityConfigException">Names the set (<c>process.capabilities.ambient</c>) and the capability.</exception>
    public static void Validate(CapabilitiesSpec? caps)
    {
        if (caps is null) return;
        var bounding = MaskOf(caps.Bounding, "bounding");
        var effective = MaskOf(caps.Effective, "effective");
        var permitted = MaskOf(caps.Permitted, "permitted");
        var inheritable = MaskOf(caps.Inheritable, "inheritable");
        MaskOf(caps.Ambient, "ambient");
        RequireSubset(effective, permitted, "effective", "not in process.capabilities.permitted");
        RequireSubset(inheritable, bounding, "inheritable", "not in process.capabilities.bounding");
    }

    /// <summary>
    /// Drops from the calling thread's bounding set every capability not in <c>caps.Bounding</c>
    /// (all of them when <paramref name="caps"/> is null). Call it before changing user: PR_CAPBSET_DROP
    /// needs CAP_SETPCAP.
    /// </summary>
    /// <exception cref="SecurityConfigException">The spec is invalid (see <see cref="Validate"/>).</exception>
    /// <exception cref="LinuxException">prctl(PR_CAPBSET_DROP) failed.</exception>
    public static void DropBounding(CapabilitiesSpec? caps)
    {
        Validate(caps);
        var keep = Mask(caps?.Bounding);
        for (var cap = 0; cap <= LastCap; cap++)
        {
            if ((keep & (1UL << cap)) == 0 && Prctl.InBoundingSet(cap)) Prctl.DropFromBoundingSet(cap);
        }
    }

    /// <summary>
    /// Sets PR_SET_KEEPCAPS on the calling thread when <paramref name="uid"/> is not 0, so the setuid
    /// that follows keeps the permitted set for <see cref="ApplySets"/> to reduce (capabilities(7):
    /// a change of all uids away from 0 otherwise clears every set). Does nothing for uid 0.
    /// </summary>
    /// <exception cref="LinuxException">prctl(PR_SET_KEEPCAPS) failed.</exception>
    public static void PrepareUserChange(uint uid)
    {
        if (uid != 0) Prctl.SetKeepCapabilities(true);
    }

    /// <summary>
    /// After the user change: clears PR_SET_KEEPCAPS, sets the calling thread's effective, permitted and
    /// inheritable sets with capset(2), then clears the ambient set and raises each ambient capability
    /// (the ambient raise needs the capability to be permitted and inheritable already, hence the order).
    /// A null <paramref name="caps"/> leaves every set empty.
    /// </summary>
    /// <exception cref="SecurityConfigException">The spec is invalid (see <see cref="Validate"/>).</exception>
    /// <exception cref="LinuxException">capset or prctl failed, such as EPERM when a set asks for more than the thread has.</exception>
    public static void ApplySets(CapabilitiesSpec? caps)
    {
        Validate(caps);
        Prctl.SetKeepCapabilities(false);
        new CapabilitySets(Mask(caps?.Effective), Mask(caps?.Permitted), Mask(caps?.Inheritable)).Apply();
        Prctl.ClearAmbient();
        // The kernel only raises what is both permitted and inheritable; the rest is skipped (see Validate).
        var ambient = Mask(caps?.Ambient) & Mask(caps?.Permitted) & Mask(caps?.Inheritable);
        for (var cap = 0; cap <= LastCap; cap++)
        {
            if ((ambient & (1UL << cap)) != 0) Prctl.RaiseAmbient(cap);
        }
    }

    private static ulong MaskOf(List<string>? names, string set)
    {
        if (names is null) return 0;
        ulong mask = 0;
        for (var i = 0; i < names.Count; i++)
        {
            try
            {
                mask |= 1UL << Parse(names[i]);
            }
            catch (SecurityConfigException e)
            {
                throw new SecurityConfigException($"process.capabilities.{set}[{i}]: {e.Message}");
            }
        }
        return mask;
    }

    private static void RequireSubset(ulong set, ulong of, string name, string why)
    {
        var extra = set & ~of;
        if (extra == 0) return;
        var first = System.Numerics.BitOperations.TrailingZeroCount(extra);
        throw new SecurityConfigException($"process.capabilities.{name}: {Names[first]} is {why}");
    }

    private static int ReadLastCap()
    {
        const string path = "/proc/sys/kernel/cap_last_cap";
        try
        {
            return int.Parse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            throw new SecurityConfigException($"{path}: cannot read the kernel's last capability: {e.Message}", e);
        }
    }
}
