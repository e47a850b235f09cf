using System.Globalization;
using Berth.ControlPlane.Audit;
using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Jobs;
using Berth.ControlPlane.Security;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.ControlPlane.Teams;

/// <summary>
/// Teams, their members and their quotas. Admins create and delete teams and set quotas; a team's owners (and admins)
/// manage its members. A team the caller does not see is not found, whatever the action.
/// </summary>
public sealed class TeamService(IDbContextFactory<BerthDbContext> dbFactory, AuditLog audit, Guard guard, JobDispatcher dispatcher)
{
    /// <summary>The teams the caller belongs to (every team for admins and auditors), by name.</summary>
    public async Task<IReadOnlyList<TeamView>> ListAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var query = db.Teams.AsNoTracking();
        if (caller.VisibleTeams is { } visible) query = query.Where(t => visible.Contains(t.Id));
        var teams = await query.OrderBy(t => t.Name).Select(t => new { t.Id, t.Name, t.CreatedAt, Members = t.Memberships.Count })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return teams.Select(t => new TeamView(t.Id, t.Name, t.CreatedAt, t.Members, RoleOf(caller, t.Id))).ToList();
    }

    /// <summary>One team the caller sees.</summary>
    /// <exception cref="ControlPlaneException">Not found, or not visible to the caller (the same answer).</exception>
    public async Task<TeamView> GetAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var team = await FindVisibleAsync(db, caller, id, cancellationToken).ConfigureAwait(false);
        var members = await db.Memberships.CountAsync(m => m.TeamId == id, cancellationToken).ConfigureAwait(false);
        return new TeamView(team.Id, team.Name, team.CreatedAt, members, RoleOf(caller, id));
    }

    /// <summary>Creates a team with no members and no quota (admins only).</summary>
    /// <exception cref="ControlPlaneException">A bad name (invalid), not an admin (forbidden), or the name is taken (conflict).</exception>
    public async Task<TeamView> CreateAsync(Caller caller, CreateTeamRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        var name = request.Name ?? throw ControlPlaneException.Invalid("name is required");
        SpecValidator.CheckName(name, "name");
        await guard.DemandAsync(caller.IsAdmin, caller, "team.create", "team", name, null, hidden: false, cancellationToken).ConfigureAwait(false);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var taken = $"a team named {name} exists";
        if (await db.Teams.AnyAsync(t => t.Name == name, cancellationToken).ConfigureAwait(false)) throw ControlPlaneException.Conflict(taken);
        var team = new Team { Name = name };
        db.Teams.Add(team);
        await audit.CommitAsync(db, new AuditRecord(caller, "team.create", "team", team.Id.ToString(), team.Id, AuditRecord.Allowed, name), cancellationToken, taken).ConfigureAwait(false);
        return new TeamView(team.Id, team.Name, team.CreatedAt, 0, null);
    }

    /// <summary>
    /// Deletes a team (admins only) with its members, quota and templates, and the records of its removed
    /// containers with their runs and events. The audit trail keeps every entry about it. Its networks are then
    /// removed from their nodes by a job on each (<see cref="ContainerJobs.RemoveTeamNetworkAsync"/>).
    /// </summary>
    /// <exception cref="ControlPlaneException">Not found, not an admin (forbidden), or the team still has containers that are not removed (conflict).</exception>
    public async Task DeleteAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var team = await DemandAsync(db, caller, id, "team.delete", caller.IsAdmin, cancellationToken).ConfigureAwait(false);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // The quota lock: a launch into this team commits before the count below, or waits and then finds no team.
        await QuotaGuard.LockAsync(db, id, cancellationToken).ConfigureAwait(false);
        var live = await db.Containers.Where(c => c.TeamId == id && c.RemovedAt == null).Select(c => c.Name).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (live.Count > 0)
            throw ControlPlaneException.Conflict($"team {team.Name} still has {live.Count} container(s) ({string.Join(", ", live.Take(5))}{(live.Count > 5 ? ", …" : "")}): remove them first");
        // Its networks' rows go with it (cascade); the networks themselves are on the nodes.
        var networks = await db.TeamNetworks.Where(n => n.TeamId == id).Select(n => new { n.NodeId, n.Name }).ToListAsync(cancellationToken).ConfigureAwait(false);
        await audit.CommitAsync(db, new AuditRecord(caller, "team.delete", "team", id.ToString(), id, AuditRecord.Allowed, team.Name), cancellationToken,
            beforeSave: async () =>
            {
                var removed = db.Containers.Where(c => c.TeamId == id).Select(c => (Guid?)c.Id);
                await db.Events.Where(e => removed.Contains(e.ContainerId)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
                await db.Containers.Where(c => c.TeamId == id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
                await db.Teams.Where(t => t.Id == id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        foreach (var n in networks) await dispatcher.DispatchAsync(n.NodeId, j => j.RemoveTeamNetworkAsync(n.Name, CancellationToken.None)).ConfigureAwait(false);
    }

    /// <summary>The team's members, by user name.</summary>
    public async Task<IReadOnlyList<MemberView>> MembersAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await FindVisibleAsync(db, caller, id, cancellationToken).ConfigureAwait(false);
        var members = await db.Memberships.AsNoTracking().Where(m => m.TeamId == id).OrderBy(m => m.User!.Username)
            .Select(m => new { m.UserId, m.User!.Username, m.Role, m.User.Disabled }).ToListAsync(cancellationToken).ConfigureAwait(false);
        return members.Select(m => new MemberView(m.UserId, m.Username, RoleNames.Of(m.Role), m.Disabled)).ToList();
    }

    /// <summary>
    /// Adds user <paramref name="user"/> (an id or a user name) to the team with a role, or changes their role (admins
    /// and the team's owners). An owner who is not an admin cannot leave the team without an owner.
    /// </summary>
    /// <exception cref="ControlPlaneException">Unknown role (invalid), team or user not found, not allowed (forbidden), or the last owner (conflict).</exception>
    public async Task<MemberView> SetMemberAsync(Caller caller, Guid id, string user, MemberRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var role = RoleNames.ParseTeamRole(request.Role);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var team = await DemandAsync(db, caller, id, "team.member.set", caller.CanManage(id), cancellationToken).ConfigureAwait(false);
        var target = await FindUserAsync(db, user, cancellationToken).ConfigureAwait(false);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await LockMembersAsync(db, id, cancellationToken).ConfigureAwait(false);
        var membership = await db.Memberships.FirstOrDefaultAsync(m => m.TeamId == id && m.UserId == target.Id, cancellationToken).ConfigureAwait(false);
        if (membership is null)
        {
            membership = new Membership { TeamId = id, UserId = target.Id, Role = role };
            db.Memberships.Add(membership);
        }
        else
        {
            if (membership.Role == TeamRole.Owner && role != TeamRole.Owner) await KeepAnOwnerAsync(db, caller, team, target.Username, cancellationToken).ConfigureAwait(false);
            membership.Role = role;
        }
        await audit.CommitAsync(db, new AuditRecord(caller, "team.member.set", "user", target.Id.ToString(), id, AuditRecord.Allowed,
            $"{target.Username} is {RoleNames.Of(role)} of {team.Name}"), cancellationToken).ConfigureAwait(false);
        return new MemberView(target.Id, target.Username, RoleNames.Of(role), target.Disabled);
    }

    /// <summary>Removes user <paramref name="user"/> from the team (admins, the team's owners, and the user themself).</summary>
    /// <exception cref="ControlPlaneException">Team, user or membership not found, not allowed (forbidden), or the last owner (conflict).</exception>
    public async Task RemoveMemberAsync(Caller caller, Guid id, string user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        // Anyone may leave a team they are in.
        var self = Guid.TryParse(user, out var userId) ? userId == caller.UserId : user == caller.Name;
        var team = await DemandAsync(db, caller, id, "team.member.remove", caller.CanManage(id) || self && caller.Teams.ContainsKey(id), cancellationToken).ConfigureAwait(false);
        var target = await FindUserAsync(db, user, cancellationToken).ConfigureAwait(false);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await LockMembersAsync(db, id, cancellationToken).ConfigureAwait(false);
        var membership = await db.Memberships.FirstOrDefaultAsync(m => m.TeamId == id && m.UserId == target.Id, cancellationToken).ConfigureAwait(false)
            ?? throw ControlPlaneException.NotFound($"member {target.Username} of team {team.Name}");
        if (membership.Role == TeamRole.Owner) await KeepAnOwnerAsync(db, caller, team, target.Username, cancellationToken).ConfigureAwait(false);
        db.Memberships.Remove(membership);
        await audit.CommitAsync(db, new AuditRecord(caller, "team.member.remove", "user", target.Id.ToString(), id, AuditRecord.Allowed,
            $"{target.Username} left {team.Name}"), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The team's quota and what it uses now.</summary>
    public async Task<QuotaView> QuotaAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var team = await FindVisibleAsync(db, caller, id, cancellationToken).ConfigureAwait(false);
        var quota = await db.Quotas.AsNoTracking().FirstOrDefaultAsync(q => q.TeamId == id, cancellationToken).ConfigureAwait(false);
        return View(team, quota, await QuotaGuard.UseAsync(db, id, null, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Sets every limit of the team's quota (admins only; null is unlimited). A quota below what the team uses now is
    /// kept: running containers go on, and launches and starts are refused until enough is given back.
    /// </summary>
    /// <exception cref="ControlPlaneException">A negative or non-finite limit (invalid), not found, not an admin (forbidden), or changed since <see cref="QuotaRequest.Version"/> (conflict).</exception>
    public async Task<QuotaView> SetQuotaAsync(Caller caller, Guid id, QuotaRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Check(request);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var team = await DemandAsync(db, caller, id, "quota.update", caller.IsAdmin, cancellationToken).ConfigureAwait(false);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await QuotaGuard.LockAsync(db, id, cancellationToken).ConfigureAwait(false);
        var quota = await db.Quotas.FirstOrDefaultAsync(q => q.TeamId == id, cancellationToken).ConfigureAwait(false);
        if (request.Version is { } version && quota?.Version != version)
            throw ControlPlaneException.Conflict($"the quota of team {team.Name} was changed since version {version}; read it again");
        if (quota is null)
        {
            quota = new Quota { TeamId = id };
            db.Quotas.Add(quota);
        }
        quota.MaxContainers = request.MaxContainers;
        quota.MaxCpus = request.MaxCpus;
        quota.MaxMemoryBytes = request.MaxMemoryBytes;
        quota.MaxPids = request.MaxPids;
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"{team.Name}: containers {Limit(request.MaxContainers)}, cpus {Limit(request.MaxCpus)}, memory {(request.MaxMemoryBytes is { } m ? QuotaGuard.Bytes(m) : "unlimited")}, pids {Limit(request.MaxPids)}");
        await audit.CommitAsync(db, new AuditRecord(caller, "quota.update", "team", id.ToString(), id, AuditRecord.Allowed, detail), cancellationToken).ConfigureAwait(false);
        return View(team, quota, await QuotaGuard.UseAsync(db, id, null, cancellationToken).ConfigureAwait(false));
    }

    private static void Check(QuotaRequest r)
    {
        if (r.MaxContainers is < 0) throw ControlPlaneException.Invalid($"maxContainers {r.MaxContainers} is negative: give 0 or more, or null for no limit");
        if (r.MaxCpus is { } cpus && (!double.IsFinite(cpus) || cpus < 0 || cpus > 1_000_000))
            throw ControlPlaneException.Invalid(string.Create(CultureInfo.InvariantCulture, $"maxCpus {cpus} is out of range: give 0 to 1000000, or null for no limit"));
        if (r.MaxMemoryBytes is < 0) throw ControlPlaneException.Invalid($"maxMemoryBytes {r.MaxMemoryBytes} is negative: give 0 or more, or null for no limit");
        if (r.MaxPids is < 0) throw ControlPlaneException.Invalid($"maxPids {r.MaxPids} is negative: give 0 or more, or null for no limit");
    }

    private static string Limit<T>(T? value) where T : struct, IFormattable
        => value is { } v ? v.ToString(null, CultureInfo.InvariantCulture) : "unlimited";

    private static QuotaView View(Team team, Quota? q, QuotaUse use)
        => new(team.Id, team.Name, q?.MaxContainers, q?.MaxCpus, q?.MaxMemoryBytes, q?.MaxPids, use, q?.Version);

    private static string? RoleOf(Caller caller, Guid teamId) => caller.Teams.TryGetValue(teamId, out var r) ? RoleNames.Of(r) : null;

    private static async Task<Team> FindVisibleAsync(BerthDbContext db, Caller caller, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken).ConfigureAwait(false);
        return team is not null && caller.CanView(id) ? team : throw ControlPlaneException.NotFound($"team {id}");
    }

    /// <summary>The team, when the caller may do <paramref name="action"/> to it; a refusal is audited (and answered as not found when the caller does not see the team).</summary>
    private async Task<Team> DemandAsync(BerthDbContext db, Caller caller, Guid id, string action, bool allowed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken).ConfigureAwait(false)
            ?? throw ControlPlaneException.NotFound($"team {id}");
        await guard.DemandAsync(allowed, caller, action, "team", id.ToString(), id, hidden: !caller.CanView(id), cancellationToken).ConfigureAwait(false);
        return team;
    }

    private static async Task<User> FindUserAsync(BerthDbContext db, string user, CancellationToken cancellationToken)
    {
        var found = Guid.TryParse(user, out var userId)
            ? await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, cancellationToken).ConfigureAwait(false)
            : await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Username == user, cancellationToken).ConfigureAwait(false);
        return found ?? throw ControlPlaneException.NotFound($"user {user}");
    }

    /// <summary>Serialises changes to one team's members, so that two owners demoting each other cannot both succeed.</summary>
    private static Task<int> LockMembersAsync(BerthDbContext db, Guid teamId, CancellationToken cancellationToken)
        => LockedReads.TakeAsync(db, "members:" + teamId, cancellationToken);

    /// <summary>Refuses (conflict) to take the last owner away from a team, unless an admin does it (admins manage every team).</summary>
    private static async Task KeepAnOwnerAsync(BerthDbContext db, Caller caller, Team team, string username, CancellationToken cancellationToken)
    {
        if (caller.IsAdmin) return;
        var owners = await db.Memberships.CountAsync(m => m.TeamId == team.Id && m.Role == TeamRole.Owner, cancellationToken).ConfigureAwait(false);
        if (owners <= 1) throw ControlPlaneException.Conflict($"{username} is the last owner of team {team.Name}: make another member owner first");
    }
}
