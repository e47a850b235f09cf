namespace Berth.Networking;

/// <summary>A named bridge network, kept as <c>DATA/networks/NAME.json</c>.</summary>
public sealed class Network
{
    public required string Name { get; init; }

    /// <summary>64 hex digits.</summary>
    public required string Id { get; init; }

    /// <summary>Always <c>bridge</c>.</summary>
    public string Driver { get; init; } = "bridge";

    /// <summary>The Linux bridge its containers' veth ends join (<c>berth0</c> for the default network, <c>berthXXXXXXXXXX</c> for others).</summary>
    public required string Bridge { get; init; }

    /// <summary>CIDR, such as <c>10.213.0.0/24</c>.</summary>
    public required string Subnet { get; init; }

    /// <summary>The bridge's address, the containers' default route.</summary>
    public required string Gateway { get; init; }

    public DateTimeOffset Created { get; init; }

    /// <summary>Labels given at creation (such as a team).</summary>
    public Dictionary<string, string> Labels { get; init; } = [];
}
