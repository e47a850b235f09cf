using System.Security.Cryptography;
using System.Text;
using Berth.Linux;
using Berth.Runtime.Spec;

namespace Berth.Engine;

/// <summary>
/// The anonymous volumes of an image's <c>VOLUME</c>s: for each such path that no <c>-v</c> or <c>--tmpfs</c> covers,
/// a folder of the container's own (<c>DATA/containers/ID/volumes/HASH</c>), filled once with what the image holds
/// at that path (as Docker fills a new volume) and bound there. They live and go with the container.
/// </summary>
public static class ImageVolumes
{
    private const string ReadyMarker = ".berth-volume-ready";

    /// <summary>Makes (first time: fills) the volumes of <paramref name="record"/> and returns their bind mounts.</summary>
    /// <exception cref="EngineException">A volume path that is not absolute, or its content could not be copied.</exception>
    public static List<MountSpec> Prepare(ContainerRecord record, string containerDir, string rootfs)
    {
        ArgumentNullException.ThrowIfNull(record);
        var covered = record.Binds.Select(b => b.Split(':')[1]).Concat(record.Tmpfs.Select(t => t.Split(':')[0]))
            .Select(Normalize).ToHashSet(StringComparer.Ordinal);
        var mounts = new List<MountSpec>();
        foreach (var volume in record.Volumes.Select(Normalize).Distinct(StringComparer.Ordinal))
        {
            if (!volume.StartsWith('/') || volume == "/" || covered.Contains(volume)) continue;
            var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(volume)))[..16];
            var dir = Path.Combine(containerDir, "volumes", name);
            var marker = Path.Combine(containerDir, "volumes", name + ReadyMarker);
            if (!File.Exists(marker))
            {
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
                Directory.CreateDirectory(dir);
                Fill(rootfs, volume, dir);
                File.WriteAllText(marker, volume + "\n");
            }
            mounts.Add(new MountSpec { Destination = volume, Type = "bind", Source = dir, Options = ["rbind", "rprivate", "rw"] });
        }
        return mounts;
    }

    private static string Normalize(string path) => path.Length > 1 ? path.TrimEnd('/') : path;

    /// <summary>Copies what the image holds at <paramref name="path"/> (resolved inside the root) into <paramref name="target"/>.</summary>
    private static void Fill(string rootfs, string path, string target)
    {
        var root = Fd.Open(rootfs, Fd.O_RDONLY | Fd.O_DIRECTORY);
        using (root)
        {
            var source = FilesAt.TryOpenInRoot((int)root.DangerousGetHandle(), path, Fd.O_RDONLY | Fd.O_DIRECTORY, out var errno);
            // Nothing there (or not a directory): the volume starts empty, as Docker's.
            if (source < 0) return;
            var destination = Fd.Open(target, Fd.O_RDONLY | Fd.O_DIRECTORY);
            try
            {
                var stat = FilesAt.Stat(source);
                FilesAt.Chown((int)destination.DangerousGetHandle(), stat.Uid, stat.Gid, target);
                FilesAt.Chmod((int)destination.DangerousGetHandle(), stat.Mode & 0xfff, target);
                CopyTree(source, (int)destination.DangerousGetHandle(), path);
            }
            catch (LinuxException e)
            {
                throw new EngineException($"volume {path}: cannot copy the image's content into it: {e.Message}", e);
            }
            finally
            {
                Fd.Close(source);
                destination.Dispose();
            }
        }
    }

    /// <summary>Copies a tree between two directory descriptors, never following a symlink (links are copied as links).</summary>
    private static void CopyTree(int source, int destination, string what)
    {
        foreach (var name in Directory.EnumerateFileSystemEntries($"/proc/self/fd/{source}").Select(Path.GetFileName).ToList())
        {
            var entry = name!;
            var stat = FilesAt.TryStat(source, entry);
            if (stat is not { } st) continue;
            var label = what + "/" + entry;
            if (st.IsDirectory)
            {
                var made = FilesAt.TryMakeDirectory(destination, entry, 0x1c0);
                if (made != 0) throw new LinuxException("mkdirat", made, label);
                var from = FilesAt.Open(source, entry, Fd.O_RDONLY | Fd.O_DIRECTORY | Fd.O_NOFOLLOW, label);
                var to = FilesAt.Open(destination, entry, Fd.O_RDONLY | Fd.O_DIRECTORY | Fd.O_NOFOLLOW, label);
                try
                {
                    CopyTree(from, to, label);
                    FilesAt.Chown(to, st.Uid, st.Gid, label);
                    FilesAt.Chmod(to, st.Mode & 0xfff, label);
                }
                finally
                {
                    Fd.Close(from);
                    Fd.Close(to);
                }
            }
            else if (st.IsRegularFile)
            {
                var from = FilesAt.Open(source, entry, Fd.O_RDONLY | Fd.O_NOFOLLOW, label);
                var to = FilesAt.Open(destination, entry, Fd.O_WRONLY | Fd.O_CREAT | Fd.O_EXCL | Fd.O_NOFOLLOW, label, 0x180);
                try
                {
                    using (var input = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(from, ownsHandle: false), FileAccess.Read))
                    using (var output = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(to, ownsHandle: false), FileAccess.Write))
                        input.CopyTo(output);
                    FilesAt.Chown(to, st.Uid, st.Gid, label);
                    FilesAt.Chmod(to, st.Mode & 0xfff, label);
                }
                finally
                {
                    Fd.Close(from);
                    Fd.Close(to);
                }
            }
            else if (st.IsSymlink)
            {
                FilesAt.Symlink(FilesAt.ReadLink(source, entry), destination, entry, label);
                FilesAt.ChownNoFollow(destination, entry, st.Uid, st.Gid, label);
            }
            // Sockets, FIFOs and devices are not copied: a volume is data.
        }
    }
}
