namespace Berth.ControlPlane.Teams;

/// <summary>A team as the API shows it, with the caller's role in it (null when the caller sees it through a global role).</summary>
public sealed record TeamView(Guid Id, string Name, DateTimeOffset CreatedAt, int Members, string? Role);
