namespace Berth.ControlPlane.Teams;

/// <summary>A member of a team: the user and their role in it.</summary>
public sealed record MemberView(Guid UserId, string Username, string Role, bool Disabled);
