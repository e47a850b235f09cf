using Berth.Data.Entities;

namespace Berth.ControlPlane.Security;

/// <summary>
/// Who asks, as established by the host's authentication: the user, their global role, their role in each team, and
/// where the request came from. <see cref="System"/> is the control plane itself (workers, supervision).
/// </summary>
public sealed record Caller(Guid? UserId, string Name, GlobalRole Role, IReadOnlyDictionary<Guid, TeamRole> Teams, string? RemoteAddress)
{
    /// <summary>The control plane acting on its own (restart policies, time-to-live, reconciliation).</summary>
    public static readonly Caller System = new(null, "system", GlobalRole.Admin, new Dictionary<Guid, TeamRole>(), null);

    /// <summary>
    /// The names of the caller's teams, read with their memberships (empty when not read): a request that names no
    /// team needs no query for its own.
    /// </summary>
    public IReadOnlyDictionary<Guid, string> TeamNames { get; init; } = new Dictionary<Guid, string>();

    public bool IsAdmin => Role == GlobalRole.Admin;

    /// <summary>Reads everything of every team: admins and auditors.</summary>
    public bool ReadsEverything => Role is GlobalRole.Admin or GlobalRole.Auditor;

    /// <summary>May see the team's containers, logs, stats and templates.</summary>
    public bool CanView(Guid teamId) => ReadsEverything || Teams.ContainsKey(teamId);

    /// <summary>May launch, start, stop and remove the team's containers, open terminals, and edit templates.</summary>
    public bool CanOperate(Guid teamId) => IsAdmin || Teams.TryGetValue(teamId, out var r) && r is TeamRole.Member or TeamRole.Owner;

    /// <summary>May manage the team's members.</summary>
    public bool CanManage(Guid teamId) => IsAdmin || Teams.TryGetValue(teamId, out var r) && r == TeamRole.Owner;

    /// <summary>May read the team's audit trail, history and usage.</summary>
    public bool CanAudit(Guid teamId) => ReadsEverything || Teams.TryGetValue(teamId, out var r) && r is TeamRole.Owner or TeamRole.Auditor;

    /// <summary>The teams whose containers this caller sees; null for all.</summary>
    public IReadOnlyCollection<Guid>? VisibleTeams => ReadsEverything ? null : Teams.Keys.ToList();

    /// <summary>The teams whose audit, history and usage this caller reads; null for all.</summary>
    public IReadOnlyCollection<Guid>? AuditableTeams => ReadsEverything ? null : Teams.Where(t => t.Value is TeamRole.Owner or TeamRole.Auditor).Select(t => t.Key).ToList();
}
