namespace Berth.ControlPlane.Teams;

/// <summary>A team a user belongs to, with their role in it.</summary>
public sealed record UserTeamView(Guid TeamId, string Team, string Role);
