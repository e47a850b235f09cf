namespace Berth.ControlPlane.Live;

/// <summary>How many of a team's containers (not removed) are in one state.</summary>
public sealed record TeamStateCount(Guid TeamId, string State, int Count);
