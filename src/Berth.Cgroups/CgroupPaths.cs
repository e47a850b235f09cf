namespace Berth.Cgroups;

/// <summary>Validates a container's cgroup path and places it under the base cgroup in each hierarchy.</summary>
internal static class CgroupPaths
{
    /// <summary>
    /// Checks <paramref name="path"/> and returns it without its leading '/'. Rejects empty paths, empty segments
    /// (<c>a//b</c>, a trailing '/'), <c>.</c> and <c>..</c> segments, so a path can never leave its base.
    /// </summary>
    internal static string Normalize(string path, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        var body = path.StartsWith('/') ? path[1..] : path;
        if (body.Length == 0)
        {
            throw new CgroupException($"invalid {what} \"{path}\": it must name a cgroup");
        }

        foreach (var segment in body.Split('/'))
        {
            if (segment.Length == 0)
            {
                throw new CgroupException($"invalid {what} \"{path}\": empty path segment");
            }

            if (segment is "." or "..")
            {
                throw new CgroupException($"invalid {what} \"{path}\": \"{segment}\" segments are not allowed");
            }

            if (segment.Contains('\0', StringComparison.Ordinal) || segment.Contains('\n', StringComparison.Ordinal))
            {
                throw new CgroupException($"invalid {what} \"{path}\": control characters are not allowed");
            }
        }

        return body;
    }

    /// <summary>Checks a parent override: absolute, and <c>/</c> or a valid path.</summary>
    internal static string NormalizeParent(string parent)
    {
        if (!parent.StartsWith('/'))
        {
            throw new CgroupException($"invalid cgroup parent \"{parent}\": it must be absolute within each hierarchy");
        }

        return parent == "/" ? "/" : "/" + Normalize(parent, "cgroup parent");
    }

    internal static string Join(string basePath, string relative) =>
        basePath.TrimEnd('/') + "/" + relative;

    /// <summary>The cgroup paths from <paramref name="basePath"/> (exclusive) down to <paramref name="fullPath"/> (inclusive).</summary>
    internal static List<string> Chain(string basePath, string fullPath)
    {
        var chain = new List<string>();
        var current = basePath.TrimEnd('/');
        foreach (var segment in fullPath[(current.Length + 1)..].Split('/'))
        {
            current = current + "/" + segment;
            chain.Add(current);
        }

        return chain;
    }
}
