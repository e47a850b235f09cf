namespace Berth.ControlPlane.Teams;

/// <summary>
/// A user as the API shows it (never their password hash): global role, whether disabled, their teams, and the row's
/// <see cref="Version"/> to send back with a change.
/// </summary>
public sealed record UserView(Guid Id, string Username, string Role, bool Disabled, DateTimeOffset CreatedAt, IReadOnlyList<UserTeamView> Teams, uint Version);
