using Berth.Linux;

namespace Berth.Images;

/// <summary>
/// A container's root file system: the image's snapshots stacked read-only under the container's own upper
/// directory with overlayfs, so a container writes only to its upper directory and no layer data is copied.
/// </summary>
public static class OverlayRootfs
{
    /// <summary>
    /// Mounts at <paramref name="target"/> the <paramref name="lowers"/> (bottom first) under <paramref name="upper"/>,
    /// with <paramref name="work"/> as overlayfs' work directory (on the same file system as the upper one). Both are
    /// made when missing.
    /// </summary>
    /// <exception cref="ImageException">The options would not fit the kernel's page-sized mount data.</exception>
    /// <exception cref="LinuxException">The mount failed.</exception>
    public static void Mount(IReadOnlyList<string> lowers, string upper, string work, string target)
    {
        ArgumentNullException.ThrowIfNull(lowers);
        if (lowers.Count == 0) throw new ArgumentException("an overlay needs at least one lower directory", nameof(lowers));
        Directory.CreateDirectory(upper);
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(target);
        // overlayfs lists the topmost lower directory first.
        var data = $"lowerdir={string.Join(':', lowers.Reverse())},upperdir={upper},workdir={work}";
        if (data.Length >= 4096)
            throw new ImageException($"the image has too many layers ({lowers.Count}) for one overlay mount's options");
        Mounts.Mount("overlay", target, "overlay", MountFlags.None, data);
    }

    /// <summary>Unmounts an overlay made by <see cref="Mount"/>; nothing happens when nothing is mounted there.</summary>
    public static void Unmount(string target)
    {
        try { Mounts.Unmount(target, Mounts.MNT_DETACH); }
        catch (LinuxException e) when (e.Errno is Errno.EINVAL or Errno.ENOENT)
        {
        }
    }

    /// <summary>Whether something is mounted at <paramref name="target"/> (statx, or /proc/self/mountinfo on kernels before 5.8).</summary>
    public static bool IsMounted(string target)
    {
        var full = Path.GetFullPath(target);
        if (FilesAt.IsMountRoot(full) is { } root) return root;
        foreach (var line in Fd.ReadText("/proc/self/mountinfo").Split('\n'))
        {
            var fields = line.Split(' ');
            if (fields.Length > 4 && fields[4] == full) return true;
        }
        return false;
    }
}
