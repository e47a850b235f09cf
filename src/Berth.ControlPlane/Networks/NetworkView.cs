namespace Berth.ControlPlane.Networks;

/// <summary>A team's network on a node as the API shows it, with the containers on it now.</summary>
public sealed record NetworkView(
    Guid Id, string Name, Guid TeamId, string Team, string Node, string Subnet, string Gateway, string Bridge, DateTimeOffset CreatedAt,
    IReadOnlyList<NetworkContainerView> Containers);
