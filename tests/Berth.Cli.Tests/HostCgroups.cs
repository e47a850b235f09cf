namespace Berth.Cli.Tests;

/// <summary>
/// Where berth puts a container's cgroups by default: <c>berth-ID</c> under
/// the test process's own cgroup in every v1 hierarchy mounted here, read from
/// <c>/proc/self/cgroup</c> and <c>/proc/self/mountinfo</c> (berth is a child
/// of the test process, so it starts in the same cgroups).
/// </summary>
internal static class HostCgroups
{
    /// <summary>Every v1 hierarchy: (controllers as in /proc/self/cgroup, folder of our own cgroup).</summary>
    public static IReadOnlyList<(string Controllers, string OwnDir)> Hierarchies()
    {
        var mounts = new List<(HashSet<string> Options, string Root, string MountPoint)>();
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var halves = line.Split(" - ", 2);
            var left = halves[0].Split(' ');
            var right = halves[1].Split(' ');
            if (right[0] != "cgroup")
            {
                continue;
            }

            mounts.Add((right[2].Split(',').ToHashSet(), Unescape(left[3]), Unescape(left[4])));
        }

        var result = new List<(string, string)>();
        foreach (var line in File.ReadLines("/proc/self/cgroup"))
        {
            var fields = line.Split(':', 3);
            if (fields[0] == "0" || fields[1].Length == 0)
            {
                continue;
            }

            var controllers = fields[1].Split(',');
            var mount = mounts.FirstOrDefault(m => controllers.All(m.Options.Contains));
            if (mount.MountPoint is null)
            {
                continue;
            }

            var relative = fields[2];
            if (mount.Root != "/" && relative.StartsWith(mount.Root, StringComparison.Ordinal))
            {
                relative = relative[mount.Root.Length..];
            }

            result.Add((fields[1], Path.Join(mount.MountPoint, relative)));
        }

        return result;
    }

    /// <summary>The container's folder in every v1 hierarchy (whether or not it exists).</summary>
    public static IReadOnlyList<string> ContainerDirs(string id) =>
        Hierarchies().Select(h => Path.Join(h.OwnDir, "berth-" + id)).ToList();

    /// <summary>The container's folder in the hierarchy whose controllers include <paramref name="controller"/>.</summary>
    public static string ContainerDir(string controller, string id)
    {
        var hierarchy = Hierarchies().First(h => h.Controllers.Split(',').Contains(controller));
        return Path.Join(hierarchy.OwnDir, "berth-" + id);
    }

    /// <summary>Container cgroup folders of <paramref name="id"/> that still exist.</summary>
    public static List<string> Leftovers(string id) => ContainerDirs(id).Where(Directory.Exists).ToList();

    private static string Unescape(string field) =>
        field.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
            .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);
}
