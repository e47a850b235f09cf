namespace Berth.Data.Entities;

/// <summary>
/// A team's bridge network on one node, made by the node's launch job the first time a container of the team asks
/// for <c>team</c>: the engine's name and id of the network there, and the subnet and gateway its allocator chose.
/// </summary>
public sealed class TeamNetwork
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid TeamId { get; set; }

    public required string NodeId { get; set; }

    /// <summary>The network's name on the node (derived from the team's id).</summary>
    public required string Name { get; set; }

    /// <summary>The engine's id of the network (64 hex digits): a network made again under the same name has another.</summary>
    public required string NetworkId { get; set; }

    /// <summary>The Linux bridge on the node.</summary>
    public required string Bridge { get; set; }

    /// <summary>CIDR, such as <c>10.213.0.0/24</c>.</summary>
    public required string Subnet { get; set; }

    public required string Gateway { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}
