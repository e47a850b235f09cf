using Berth.Linux;

namespace Berth.Engine;

/// <summary>Makes directories inside a container's root as the container would see them (symlinks resolved within it).</summary>
public static class RootfsDirectories
{
    /// <summary>
    /// Makes <paramref name="path"/> (absolute, in the container) and its missing parents, owned by
    /// <paramref name="uid"/>:<paramref name="gid"/> (the new ones only), as Docker does for a working directory.
    /// </summary>
    /// <exception cref="EngineException">Something that is not a directory is in the way.</exception>
    public static void Make(string rootfs, string path, uint uid, uint gid)
    {
        var root = Fd.Open(rootfs, Fd.O_RDONLY | Fd.O_DIRECTORY);
        using (root)
        {
            var rootFd = (int)root.DangerousGetHandle();
            var prefix = "";
            foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                if (part is "." or "..") throw new EngineException($"working directory {path}: it may not hold . or ..");
                var parent = FilesAt.TryOpenInRoot(rootFd, prefix.Length == 0 ? "/" : prefix, Fd.O_RDONLY | Fd.O_DIRECTORY, out var errno);
                if (parent < 0) throw new EngineException($"working directory {path}: {prefix} is not a directory ({Errno.Name(errno)})");
                try
                {
                    prefix += "/" + part;
                    var existing = FilesAt.TryOpenInRoot(rootFd, prefix, Fd.O_PATH | Fd.O_DIRECTORY, out errno);
                    if (existing >= 0)
                    {
                        Fd.Close(existing);
                        continue;
                    }
                    if (errno != Errno.ENOENT) throw new EngineException($"working directory {path}: {prefix} is not a directory ({Errno.Name(errno)})");
                    var made = FilesAt.TryMakeDirectory(parent, part, 0x1ed /* 0755 */);
                    if (made is not (0 or Errno.EEXIST)) throw new LinuxException("mkdirat", made, prefix);
                    FilesAt.ChownNoFollow(parent, part, uid, gid, prefix);
                }
                finally { Fd.Close(parent); }
            }
        }
    }
}
