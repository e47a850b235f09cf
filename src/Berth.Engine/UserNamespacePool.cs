using System.Globalization;

namespace Berth.Engine;

/// <summary>
/// The host ids the node hands out to containers with <c>--userns auto</c>, in slices of 65536 (one per container,
/// never two containers on one slice). The pool is the <c>berth</c> entry of /etc/subuid and /etc/subgid
/// (<c>berth:START:COUNT</c>, as Podman's <c>containers</c> entry), else 100000 + 65536·N for N below 16384.
/// </summary>
public sealed class UserNamespacePool
{
    /// <summary>The ids each container gets.</summary>
    public const uint SliceSize = 65536;

    /// <summary>The built-in pool's first id.</summary>
    public const uint DefaultStart = 100_000;

    /// <summary>The built-in pool's number of slices.</summary>
    public const uint DefaultSlices = 16384;

    /// <summary>The pool: the first host uid and gid and how many slices it holds.</summary>
    public UserNamespacePool(uint uidStart, uint gidStart, uint slices)
    {
        UidStart = uidStart;
        GidStart = gidStart;
        Slices = slices;
    }

    public uint UidStart { get; }

    public uint GidStart { get; }

    public uint Slices { get; }

    /// <summary>The pool from /etc/subuid and /etc/subgid's <c>berth</c> entries, or the built-in one when either has none.</summary>
    public static UserNamespacePool FromHost(string subuid = "/etc/subuid", string subgid = "/etc/subgid")
    {
        var u = Entry(subuid);
        var g = Entry(subgid);
        if (u is null || g is null) return new UserNamespacePool(DefaultStart, DefaultStart, DefaultSlices);
        return new UserNamespacePool(u.Value.Start, g.Value.Start, Math.Min(u.Value.Count, g.Value.Count) / SliceSize);
    }

    /// <summary>
    /// The first slice that none of the ranges starting at <paramref name="taken"/> (host uids, a slice long each)
    /// overlaps; a range given out under another pool (the berth entry of /etc/subuid changed since) counts wherever it falls.
    /// </summary>
    /// <exception cref="EngineException">Every slice is taken.</exception>
    public UserNamespaceRange Allocate(IEnumerable<uint> taken)
    {
        ArgumentNullException.ThrowIfNull(taken);
        var used = new HashSet<ulong>();
        foreach (var uid in taken)
        {
            var end = (ulong)uid + SliceSize;
            if (end <= UidStart) continue;
            for (var n = uid <= UidStart ? 0 : (uid - UidStart) / (ulong)SliceSize; n <= (end - 1 - UidStart) / SliceSize; n++) used.Add(n);
        }
        for (uint n = 0; n < Slices; n++)
        {
            if (!used.Contains(n))
                return new UserNamespaceRange { HostUid = UidStart + n * SliceSize, HostGid = GidStart + n * SliceSize, Size = SliceSize };
        }
        throw new EngineException($"--userns auto: all {Slices} id ranges of {SliceSize} are in use by containers (remove some, or give the berth entry of /etc/subuid and /etc/subgid more ids)");
    }

    private static (uint Start, uint Count)? Entry(string file)
    {
        if (!File.Exists(file)) return null;
        foreach (var line in File.ReadLines(file))
        {
            var parts = line.Split(':');
            if (parts.Length == 3 && parts[0] == "berth"
                && uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                && uint.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                && count >= SliceSize && (ulong)start + count <= uint.MaxValue)
                return (start, count);
        }
        return null;
    }
}
