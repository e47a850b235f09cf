namespace Berth.Runtime.Spec;

/// <summary>
/// Checks a spec's user namespace and id maps before anything is made. As runc: maps need a user namespace, and a
/// new user namespace needs both maps. Beyond the kernel's own checks (which would fail only once the init is
/// cloned), ranges must not overlap inside or outside, fit in 32-bit ids, number at most 340 per map, and map
/// the ids the container uses: root (its init runs as root inside) and the process's user and groups.
/// </summary>
public static class UserNamespaceValidator
{
    /// <summary>The kernel's limit of lines in one uid_map or gid_map (user_namespaces(7)).</summary>
    public const int MaxRanges = 340;

    /// <summary>Validates <paramref name="linux"/>'s user namespace and maps against <paramref name="process"/> (if any).</summary>
    /// <exception cref="RuntimeException">The first problem found, naming the field.</exception>
    public static void Validate(LinuxSpec linux, ProcessSpec? process)
    {
        var user = linux.Namespaces?.FirstOrDefault(n => n.Type == "user");
        var hasMaps = linux.UidMappings is { Count: > 0 } || linux.GidMappings is { Count: > 0 };
        if (user is null)
        {
            if (hasMaps) Fail("linux.uidMappings/gidMappings: id maps need a user namespace (linux.namespaces has no \"user\")");
            return;
        }
        if (!string.IsNullOrEmpty(user.Path))
        {
            if (hasMaps) Fail($"linux.uidMappings/gidMappings: the user namespace {user.Path} is joined, and its maps are already set");
            return;
        }
        Check(linux.UidMappings, "linux.uidMappings", "uid");
        Check(linux.GidMappings, "linux.gidMappings", "gid");
        RequireMapped(linux.UidMappings!, 0, "linux.uidMappings", "uid 0 (the container's init runs as root inside)");
        RequireMapped(linux.GidMappings!, 0, "linux.gidMappings", "gid 0 (the container's init runs as root inside)");
        if (process is null) return;
        RequireMapped(linux.UidMappings!, process.User.Uid, "linux.uidMappings", $"process.user.uid {process.User.Uid}");
        RequireMapped(linux.GidMappings!, process.User.Gid, "linux.gidMappings", $"process.user.gid {process.User.Gid}");
        foreach (var g in process.User.AdditionalGids ?? [])
            RequireMapped(linux.GidMappings!, g, "linux.gidMappings", $"process.user.additionalGids {g}");
    }

    private static void Check(List<IdMappingSpec>? maps, string field, string what)
    {
        if (maps is not { Count: > 0 }) Fail($"{field}: a new user namespace needs {what} mappings");
        if (maps!.Count > MaxRanges) Fail($"{field}: {maps.Count} ranges; the kernel takes at most {MaxRanges}");
        for (var i = 0; i < maps.Count; i++)
        {
            var m = maps[i];
            if (m.Size == 0) Fail($"{field}[{i}].size: must be at least 1");
            // (uint)-1 is no id: the last usable one is 4294967294.
            if ((ulong)m.ContainerID + m.Size > uint.MaxValue)
                Fail($"{field}[{i}]: containerID {m.ContainerID} + size {m.Size} goes past the largest {what} (4294967294)");
            if ((ulong)m.HostID + m.Size > uint.MaxValue)
                Fail($"{field}[{i}]: hostID {m.HostID} + size {m.Size} goes past the largest {what} (4294967294)");
            for (var j = 0; j < i; j++)
            {
                if (Overlap(maps[j].ContainerID, maps[j].Size, m.ContainerID, m.Size))
                    Fail($"{field}[{i}]: container {what}s {Range(m.ContainerID, m.Size)} overlap those of {field}[{j}] ({Range(maps[j].ContainerID, maps[j].Size)})");
                if (Overlap(maps[j].HostID, maps[j].Size, m.HostID, m.Size))
                    Fail($"{field}[{i}]: host {what}s {Range(m.HostID, m.Size)} overlap those of {field}[{j}] ({Range(maps[j].HostID, maps[j].Size)})");
            }
        }
    }

    /// <summary>Whether <paramref name="id"/> falls in one of <paramref name="maps"/>' container ranges.</summary>
    public static bool IsMapped(IEnumerable<IdMappingSpec> maps, uint id)
        => maps.Any(m => id >= m.ContainerID && (ulong)id < (ulong)m.ContainerID + m.Size);

    private static void RequireMapped(List<IdMappingSpec> maps, uint id, string field, string what)
    {
        if (!IsMapped(maps, id)) Fail($"{field}: {what} is not mapped");
    }

    private static bool Overlap(uint a, uint aSize, uint b, uint bSize) => (ulong)a < (ulong)b + bSize && (ulong)b < (ulong)a + aSize;

    private static string Range(uint start, uint size) => $"{start}-{(ulong)start + size - 1}";

    private static void Fail(string message) => throw new RuntimeException(message);
}
