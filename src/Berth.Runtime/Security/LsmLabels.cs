using System.Text;
using Berth.Linux;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Security;

/// <summary>
/// AppArmor profiles and SELinux labels of container processes (<c>process.apparmorProfile</c>,
/// <c>process.selinuxLabel</c>): whether the host's kernel enforces each, the check of a label before anything is
/// made, and its application to the calling thread's next <c>execve</c>.
/// </summary>
/// <remarks>
/// A label asked for on a host whose kernel does not enforce that module is refused rather than ignored: the
/// container would run unconfined while its author believes it confined. The label takes effect at the payload's
/// <c>execve</c> (the kernel's exec attribute, proc(5) <c>/proc/PID/attr/exec</c>), so nothing of the runtime's own
/// set-up runs under it.
/// </remarks>
public static class LsmLabels
{
    /// <summary>The module parameter the kernel's AppArmor reads <c>Y</c> in when it is active.</summary>
    public const string AppArmorParameter = "/sys/module/apparmor/parameters/enabled";

    /// <summary>AppArmor's folder in securityfs, where its interface (and policy loading) lives.</summary>
    public const string AppArmorSecurityFs = "/sys/kernel/security/apparmor";

    /// <summary>AppArmor's own exec attribute (Linux 5.8 and later, where modules have a folder each).</summary>
    public const string AppArmorExecAttr = "/proc/thread-self/attr/apparmor/exec";

    /// <summary>The shared exec attribute: AppArmor's on older kernels, SELinux's on all.</summary>
    public const string ExecAttr = "/proc/thread-self/attr/exec";

    private static bool? s_appArmor;
    private static bool? s_selinux;

    /// <summary>Whether AppArmor is enforcing on this host (read once per process).</summary>
    public static bool AppArmorEnabled => s_appArmor ??= DetectAppArmor(
        Fd.TryReadText(AppArmorParameter, out _), Directory.Exists(AppArmorSecurityFs));

    /// <summary>Whether SELinux is enabled on this host (read once per process).</summary>
    public static bool SelinuxEnabled => s_selinux ??= HasSelinuxfs(Fd.TryReadText("/proc/self/mountinfo", out _));

    /// <summary>
    /// AppArmor is enforcing when its module parameter <c>enabled</c> reads <c>Y</c> (the kernel may have it built
    /// in but off, <c>apparmor=0</c> or another major module) and securityfs shows its folder (without it no policy
    /// can have been loaded).
    /// </summary>
    public static bool DetectAppArmor(string? enabledParameter, bool securityFsFolderExists)
        => securityFsFolderExists && enabledParameter is { } p && p.TrimEnd('\n') == "Y";

    /// <summary>
    /// SELinux is enabled when selinuxfs is mounted: the kernel registers that file system only while SELinux is
    /// initialised, and user space (libselinux) takes its absence to mean disabled. <paramref name="mountinfo"/> is
    /// the text of <c>/proc/self/mountinfo</c> (proc(5)); the file system type is the first field after the
    /// <c>-</c> separator.
    /// </summary>
    public static bool HasSelinuxfs(string? mountinfo)
    {
        if (mountinfo is null) return false;
        foreach (var line in mountinfo.Split('\n'))
        {
            var sep = line.IndexOf(" - ", StringComparison.Ordinal);
            if (sep < 0) continue;
            var rest = line.AsSpan(sep + 3);
            var end = rest.IndexOf(' ');
            if ((end < 0 ? rest : rest[..end]).SequenceEqual("selinuxfs")) return true;
        }
        return false;
    }

    /// <summary>
    /// Checks the labels of <paramref name="process"/> (<paramref name="field"/> names it in messages): each needs
    /// its module enabled on this host, and a value the kernel can take in one write (no control characters).
    /// </summary>
    /// <exception cref="RuntimeException">The first problem, naming the field and the value.</exception>
    public static void Validate(ProcessSpec process, string field)
    {
        ArgumentNullException.ThrowIfNull(process);
        // The host is looked at only for a label given: a create without one reads neither sysfs nor mountinfo.
        Validate(process, field, process.ApparmorProfile is { Length: > 0 } && AppArmorEnabled, process.SelinuxLabel is { Length: > 0 } && SelinuxEnabled);
    }

    /// <summary><see cref="Validate(ProcessSpec, string)"/> with the host's modules given (for tests).</summary>
    public static void Validate(ProcessSpec process, string field, bool appArmor, bool selinux)
    {
        if (process.ApparmorProfile is { Length: > 0 } profile)
        {
            if (!appArmor)
                throw new RuntimeException($"{field}.apparmorProfile: \"{profile}\" cannot be applied: AppArmor is not enabled on this host "
                    + $"({AppArmorParameter} does not read Y, or securityfs has no apparmor folder)");
            CheckText(profile, $"{field}.apparmorProfile");
        }
        if (process.SelinuxLabel is { Length: > 0 } label)
        {
            if (!selinux)
                throw new RuntimeException($"{field}.selinuxLabel: \"{label}\" cannot be applied: SELinux is not enabled on this host (no selinuxfs is mounted)");
            CheckText(label, $"{field}.selinuxLabel");
        }
    }

    private static void CheckText(string value, string field)
    {
        if (value.Trim().Length != value.Length)
            throw new RuntimeException($"{field}: \"{value}\" has leading or trailing white space");
        foreach (var c in value)
            if (char.IsControl(c))
                throw new RuntimeException($"{field}: \"{value.Replace("\n", "\\n", StringComparison.Ordinal)}\" holds a control character");
    }

    /// <summary>
    /// Sets the labels of <paramref name="process"/> for the calling thread's next <c>execve</c>: AppArmor's
    /// <c>exec PROFILE</c> to its own attribute (the shared one on kernels before 5.8), SELinux's label to the
    /// shared one. Call from the thread that execs, with /proc the container's. Does nothing for a process with no
    /// labels.
    /// </summary>
    /// <exception cref="RuntimeException">The kernel refused a write (a profile that is not loaded: ENOENT), naming the
    /// profile or label, the file and the errno.</exception>
    public static void ApplyForExec(ProcessSpec process)
    {
        if (process.ApparmorProfile is { Length: > 0 } profile)
        {
            // On a kernel with per-module attribute folders the shared file belongs to the first major module,
            // which need not be AppArmor: write AppArmor's own when it exists.
            var path = Directory.Exists("/proc/thread-self/attr/apparmor") ? AppArmorExecAttr : ExecAttr;
            WriteAttr(path, "exec " + profile, $"apparmor profile \"{profile}\"");
        }
        if (process.SelinuxLabel is { Length: > 0 } label)
            WriteAttr(ExecAttr, label, $"selinux label \"{label}\"");
    }

    private static void WriteAttr(string path, string value, string what)
    {
        // The attribute is the writing thread's own (thread-self), and the kernel takes it in one write; no O_TRUNC,
        // which procfs attributes refuse.
        var fd = Fd.TryOpen(path, Fd.O_WRONLY | Fd.O_CLOEXEC, out var errno);
        if (fd < 0)
            throw new RuntimeException($"{what}: cannot open {path}: {Errno.Name(errno)}{(errno == Errno.ENOENT ? " (is /proc mounted in the container?)" : "")}");
        try
        {
            var written = Fd.TryWrite(fd, Encoding.UTF8.GetBytes(value), out errno);
            if (written < 0)
                throw new RuntimeException($"{what}: writing \"{value}\" to {path} failed: {Errno.Name(errno)}"
                    + (errno == Errno.ENOENT ? " (no such profile is loaded in the kernel)" : ""));
        }
        finally { Fd.Close(fd); }
    }
}
