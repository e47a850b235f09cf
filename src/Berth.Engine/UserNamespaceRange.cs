namespace Berth.Engine;

/// <summary>
/// The host ids a container's user namespace maps its ids 0…<see cref="Size"/>-1 to (<c>--userns auto</c>): a range
/// of its own, taken from the node's pool when the container is created and given back when it is removed.
/// </summary>
public sealed class UserNamespaceRange
{
    /// <summary>The host uid of the container's root.</summary>
    public uint HostUid { get; init; }

    /// <summary>The host gid of the container's root group.</summary>
    public uint HostGid { get; init; }

    /// <summary>How many ids are mapped (65536: every 16-bit id an image may use).</summary>
    public uint Size { get; init; }
}
