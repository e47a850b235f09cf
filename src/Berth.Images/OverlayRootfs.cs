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

    /// <summary>
    /// As <see cref="Mount(IReadOnlyList{string}, string, string, string)"/>, for a container in a user namespace: each
    /// lower directory is first mounted idmapped through <paramref name="userNamespaceFd"/> under
    /// <paramref name="scratch"/> (overlayfs takes idmapped layers since Linux 5.19), so the image's files, owned by
    /// host root, belong to the container's root, and no layer is copied or chowned; the upper directory is made
    /// (if new) owned by <paramref name="rootUid"/>:<paramref name="rootGid"/>, the container root's host ids.
    /// overlayfs keeps private clones of its layers, so the idmapped mounts are detached again at once.
    /// </summary>
    /// <exception cref="LinuxException">A mount failed (EINVAL from mount_setattr: this file system or kernel cannot idmap).</exception>
    public static void MountIdmapped(IReadOnlyList<string> lowers, string upper, string work, string target, string scratch,
        int userNamespaceFd, uint rootUid, uint rootGid)
    {
        ArgumentNullException.ThrowIfNull(lowers);
        if (!Directory.Exists(upper))
        {
            Directory.CreateDirectory(upper);
            Credentials.Lchown(upper, rootUid, rootGid);
        }
        var mapped = new List<string>();
        try
        {
            for (var i = 0; i < lowers.Count; i++)
            {
                var dir = Path.Combine(scratch, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Directory.CreateDirectory(dir);
                mapped.Add(dir);
                IdmappedMounts.Mount(lowers[i], userNamespaceFd, dir);
            }
            Mount(mapped, upper, work, target);
        }
        finally
        {
            // Never recursive: a folder still holding a layer's mount would have the layer's files deleted.
            foreach (var dir in mapped)
            {
                Unmount(dir);
                Directory.Delete(dir);
            }
            if (Directory.Exists(scratch) && !Directory.EnumerateFileSystemEntries(scratch).Any()) Directory.Delete(scratch);
        }
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
