namespace Berth.ControlPlane.Teams;

/// <summary>A team as a request names it: its id and its name.</summary>
public sealed record TeamRef(Guid Id, string Name);
