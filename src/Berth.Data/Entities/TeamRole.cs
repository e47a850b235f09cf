namespace Berth.Data.Entities;

/// <summary>
/// A member's role in one team: owners manage the team's members and everything of the team; members launch and
/// manage containers; viewers see them; auditors read the team's audit trail, history and usage.
/// </summary>
public enum TeamRole
{
    Viewer = 0,
    Member = 1,
    Owner = 2,
    Auditor = 3,
}
