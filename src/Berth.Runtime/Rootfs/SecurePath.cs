namespace Berth.Runtime.Rootfs;

/// <summary>
/// Resolves a path inside a root directory the way the kernel would if that directory were <c>/</c>: symlinks
/// (absolute ones included) are followed relative to the root and <c>..</c> never climbs above it. Used for
/// every mount target and device path, so a hostile rootfs cannot redirect a mount onto the host.
/// </summary>
public static class SecurePath
{
    private const int MaxLinks = 255;

    /// <summary>The host path of <paramref name="unsafePath"/> inside <paramref name="root"/>; missing components are kept literally.</summary>
    public static string Join(string root, string unsafePath)
    {
        root = Path.GetFullPath(root).TrimEnd('/');
        if (root.Length == 0) root = "/";
        var parts = new List<string>();
        var pending = new Stack<string>(Split(unsafePath).Reverse());
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }
            var candidate = root + "/" + string.Join('/', parts.Append(part));
            var target = new FileInfo(candidate).LinkTarget;
            if (target is null)
            {
                parts.Add(part);
                continue;
            }
            if (++links > MaxLinks) throw new RuntimeException($"too many levels of symbolic links resolving {unsafePath} in {root}");
            if (target.StartsWith('/')) parts.Clear();
            foreach (var p in Split(target).Reverse()) pending.Push(p);
        }
        return parts.Count == 0 ? root : root + "/" + string.Join('/', parts);
    }

    private static string[] Split(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
