namespace Berth.ControlPlane.Networks;

/// <summary>A container on a team network: its id, name and state, its address there (null when its node is another), its published ports.</summary>
public sealed record NetworkContainerView(Guid Id, string Name, string State, string? IpAddress, IReadOnlyList<string> Ports);
