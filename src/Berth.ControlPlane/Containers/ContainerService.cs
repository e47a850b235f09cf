using System.Globalization;
using System.Security.Cryptography;
using Berth.ControlPlane.Audit;
using Berth.ControlPlane.Jobs;
using Berth.ControlPlane.Security;
using Berth.ControlPlane.Teams;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Container = Berth.Data.Entities.Container;
using Trace = Berth.Runtime.Trace;

namespace Berth.ControlPlane.Containers;

/// <summary>
/// Containers as users see them: launch (admission, quota, audit, then a job on the container's node), start, stop,
/// restart, remove, and reads scoped to the caller's teams. Each change is committed with its audit entry before
/// its job runs.
/// </summary>
public sealed class ContainerService(
    IDbContextFactory<BerthDbContext> dbFactory, AuditLog audit, Guard guard, JobDispatcher dispatcher, NodeEngine node, IOptions<ControlPlaneOptions> options)
{
    /// <summary>Records a new container, checked against the caller's rights and the team's quota, and launches it (waiting up to <see cref="ControlPlaneOptions.LaunchWaitSeconds"/>).</summary>
    public async Task<ContainerView> CreateAsync(Caller caller, CreateContainerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        Trace.Mark("api: create");
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var teamName = request.Team;
        if (teamName is null && request.TemplateId is { } fromTemplate)
        {
            // Launching from a template: its team, unless the request names one.
            var templateTeam = await db.Templates.AsNoTracking().Where(t => t.Id == fromTemplate).Select(t => (Guid?)t.TeamId).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (templateTeam is { } id && caller.CanView(id)) teamName = id.ToString();
        }
        var team = await ResolveTeamAsync(db, caller, teamName, cancellationToken).ConfigureAwait(false);
        Template? template = null;
        if (request.TemplateId is { } templateId)
        {
            template = await db.Templates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == templateId && t.TeamId == team.Id, cancellationToken).ConfigureAwait(false)
                ?? throw ControlPlaneException.NotFound($"template {templateId} of team {team.Name}");
        }
        var spec = Merge(template?.Spec, request);
        SpecValidator.Check(spec);
        var name = request.Name ?? GeneratedName(spec.Image);
        SpecValidator.CheckName(name, "name");
        await guard.DemandAsync(caller.CanOperate(team.Id), caller, "container.create", "team", team.Name, team.Id, hidden: !caller.CanView(team.Id), cancellationToken).ConfigureAwait(false);
        if (SpecValidator.HostMounts(spec) is [var hostMount, ..])
            await guard.DemandAsync(caller.IsAdmin, caller, "container.mount-host", "mount", hostMount, team.Id, hidden: false, cancellationToken).ConfigureAwait(false);
        if (SpecValidator.UsesHostNetwork(spec))
            await guard.DemandAsync(caller.IsAdmin, caller, "container.network-host", "network", SpecValidator.NetworkHost, team.Id, hidden: false, cancellationToken).ConfigureAwait(false);
        if (!node.Engine.HasImage(spec.Image))
            throw ControlPlaneException.Invalid($"image \"{spec.Image}\" is not on node {node.NodeId}: pull it first (POST /api/v1/images/pull) or upload it");

        var container = new Container
        {
            Name = name,
            TeamId = team.Id,
            OwnerId = caller.UserId ?? throw new ControlPlaneException(ProblemKind.Forbidden, "containers are launched by users"),
            NodeId = node.NodeId,
            TemplateId = template?.Id,
            Spec = spec,
            Desired = request.Start ? DesiredState.Running : DesiredState.Stopped,
            State = request.Start ? ContainerState.Pending : ContainerState.Created,
        };
        await using (var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await QuotaGuard.CheckAsync(db, team.Id, team.Name, spec, isNew: true, self: null, cancellationToken).ConfigureAwait(false);
                if (request.Start) await AdmitPortsAsync(db, caller, node.NodeId, spec, null, null, cancellationToken).ConfigureAwait(false);
            }
            catch (ControlPlaneException e) when (e.Kind == ProblemKind.QuotaExceeded)
            {
                await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
                await audit.WriteAsync(new AuditRecord(caller, "container.create", "container", name, team.Id, AuditRecord.Denied, e.Message), cancellationToken).ConfigureAwait(false);
                throw;
            }
            db.Containers.Add(container);
            db.Events.Add(RunBook.Event(container, "create", null, caller.UserId));
            var entry = await audit.AppendAsync(db, new AuditRecord(caller, "container.create", "container", container.Id.ToString(), team.Id, AuditRecord.Allowed,
                $"{name} from {spec.Image}"), cancellationToken).ConfigureAwait(false);
            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation, ConstraintName: UniqueNameIndex })
            {
                // The index that keeps names unique among a team's containers says so (checked by it, not before it: two launches can race).
                throw ControlPlaneException.Conflict($"team {team.Name} already has a container named {name}");
            }
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            audit.Anchor(entry);
            Trace.Mark("api: committed");
        }
        // The wait's answer is the answer (the owner is the caller): no further query for it.
        // The job starts from the row as committed (a copy the job may change), not from a read of it.
        var launched = request.Start ? await LaunchAndWaitAsync(container, caller, (Container)db.Entry(container).CurrentValues.ToObject(), cancellationToken).ConfigureAwait(false) : null;
        return launched is not null ? ContainerView.From(launched, team.Name, caller.Name, node.IpAddressOf(launched)) : await GetAsync(caller, container.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The containers of the caller's teams (all for admins and auditors), newest first; removed ones only when asked.</summary>
    public async Task<IReadOnlyList<ContainerView>> ListAsync(Caller caller, bool includeRemoved, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var query = db.Containers.AsNoTracking().Include(c => c.Team).Include(c => c.Owner).AsQueryable();
        if (caller.VisibleTeams is { } teams) query = query.Where(c => teams.Contains(c.TeamId));
        if (!includeRemoved) query = query.Where(c => c.RemovedAt == null);
        var list = await query.OrderByDescending(c => c.CreatedAt).ToListAsync(cancellationToken).ConfigureAwait(false);
        return list.Select(c => ContainerView.From(c, c.Team!.Name, c.Owner!.Username, node.IpAddressOf(c))).ToList();
    }

    /// <summary>One container the caller may see.</summary>
    /// <exception cref="ControlPlaneException">Not found, or of a team the caller does not see (the same answer).</exception>
    public async Task<ContainerView> GetAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var c = await FindVisibleAsync(db, caller, id, cancellationToken).ConfigureAwait(false);
        return ContainerView.From(c, c.Team!.Name, c.Owner!.Username, node.IpAddressOf(c));
    }

    /// <summary>Starts a stopped container, after admission against the team's quota.</summary>
    public Task<ContainerView> StartAsync(Caller caller, Guid id, CancellationToken cancellationToken)
        => ChangeAsync(caller, id, "container.start", async (db, c, team) =>
        {
            if (c.Desired == DesiredState.Running && c.State is ContainerState.Running or ContainerState.Restarting) return false;
            await QuotaGuard.CheckAsync(db, c.TeamId, team, c.Spec, isNew: false, self: c.Id, cancellationToken).ConfigureAwait(false);
            await AdmitPortsAsync(db, caller, c.NodeId, c.Spec, c.Id, c.EngineId, cancellationToken).ConfigureAwait(false);
            c.Desired = DesiredState.Running;
            c.State = ContainerState.Pending;
            c.RestartCount = 0;
            return true;
        }, c => LaunchAndWaitAsync(c, caller, null, cancellationToken), cancellationToken);

    /// <summary>Stops a running container and waits until it has stopped.</summary>
    public Task<ContainerView> StopAsync(Caller caller, Guid id, CancellationToken cancellationToken)
        => StopAsync(caller, id, "stopped", cancellationToken);

    /// <summary>Stops a container, giving <paramref name="reason"/> to the run it ends (<c>stopped</c>, <c>ttl</c>, <c>idle</c>, <c>unhealthy</c>).</summary>
    public Task<ContainerView> StopAsync(Caller caller, Guid id, string reason, CancellationToken cancellationToken)
        => ChangeAsync(caller, id, "container.stop", (_, c, _) =>
        {
            if (c.Desired != DesiredState.Running) return Task.FromResult(false);
            c.Desired = DesiredState.Stopped;
            c.StopReason = reason;
            return Task.FromResult(true);
        }, c => WaitAsync(c.Id, dispatcher.DispatchAsync(c.NodeId, j => j.StopAsync(c.Id, CancellationToken.None)),
            x => x.State is not (ContainerState.Running or ContainerState.Restarting or ContainerState.Pending), cancellationToken), cancellationToken);

    /// <summary>Restarts a container (stop, then start, with admission).</summary>
    public Task<ContainerView> RestartAsync(Caller caller, Guid id, CancellationToken cancellationToken)
        => ChangeAsync(caller, id, "container.restart", async (db, c, team) =>
        {
            await QuotaGuard.CheckAsync(db, c.TeamId, team, c.Spec, isNew: false, self: c.Id, cancellationToken).ConfigureAwait(false);
            await AdmitPortsAsync(db, caller, c.NodeId, c.Spec, c.Id, c.EngineId, cancellationToken).ConfigureAwait(false);
            c.Desired = DesiredState.Running;
            c.StopReason = "restart";
            // Counted as about to run from now on, as a start is: its quota share and its ports are held until its job
            // runs, not free for another launch meanwhile.
            if (c.State is not (ContainerState.Running or ContainerState.Restarting)) c.State = ContainerState.Pending;
            return true;
        }, c => WaitAsync(c.Id, dispatcher.DispatchAsync(c.NodeId, j => j.RestartAsync(c.Id, caller.UserId, CancellationToken.None)),
            x => x.StartedAt > c.StartedAt || x.State == ContainerState.Failed, cancellationToken), cancellationToken);

    /// <summary>Removes a container (killing it if it runs); its record, runs and events stay for history.</summary>
    public async Task RemoveAsync(Caller caller, Guid id, CancellationToken cancellationToken)
        => await ChangeAsync(caller, id, "container.remove", (_, c, _) =>
        {
            c.Desired = DesiredState.Removed;
            c.StopReason ??= "removed";
            return Task.FromResult(true);
        }, c => WaitAsync(c.Id, dispatcher.DispatchAsync(c.NodeId, j => j.RemoveAsync(c.Id, CancellationToken.None)),
            x => x.State == ContainerState.Removed, cancellationToken), cancellationToken).ConfigureAwait(false);

    /// <summary>The container's runs, newest first.</summary>
    public async Task<IReadOnlyList<RunView>> RunsAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var c = await FindVisibleAsync(db, caller, id, cancellationToken).ConfigureAwait(false);
        var runs = await db.Runs.AsNoTracking().Where(r => r.ContainerId == id).OrderByDescending(r => r.StartedAt)
            .GroupJoin(db.Users, r => r.StartedById, u => u.Id, (r, u) => new { r, u })
            .SelectMany(x => x.u.DefaultIfEmpty(), (x, u) => new { x.r, User = u == null ? null : u.Username })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return runs.Select(x => new RunView(x.r.Id, x.r.ContainerId, c.Name, x.r.TeamId, x.r.Image, x.User, x.r.StartedAt, x.r.EndedAt, x.r.ExitCode, x.r.Signal, x.r.OomKilled, x.r.Reason)).ToList();
    }

    /// <summary>The container's events, oldest first.</summary>
    public async Task<IReadOnlyList<ContainerEvent>> EventsAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await FindVisibleAsync(db, caller, id, cancellationToken).ConfigureAwait(false);
        return await db.Events.AsNoTracking().Where(e => e.ContainerId == id).OrderBy(e => e.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The engine's log file of the container and its engine id; null when it has none on this node (never made, or removed).</summary>
    public async Task<(string Path, string EngineId)?> LogFileAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var c = await FindVisibleAsync(db, caller, id, cancellationToken).ConfigureAwait(false);
        if (c.EngineId is null || c.NodeId != node.NodeId || node.Engine.Containers.TryFind(c.EngineId) is not { } record) return null;
        return (node.Engine.LogPath(record), record.Id);
    }

    /// <summary>The container, loaded with its team and owner, when the caller may see it; not found otherwise.</summary>
    public static async Task<Container> FindVisibleAsync(BerthDbContext db, Caller caller, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var c = await db.Containers.AsNoTracking().Include(x => x.Team).Include(x => x.Owner).FirstOrDefaultAsync(x => x.Id == id, cancellationToken).ConfigureAwait(false);
        if (c is null || !caller.CanView(c.TeamId)) throw ControlPlaneException.NotFound($"container {id}");
        return c;
    }

    private async Task<ContainerView> ChangeAsync(Caller caller, Guid id, string action, Func<BerthDbContext, Container, string, Task<bool>> change,
        Func<Container, Task> then, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        Container c;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            var visible = await db.Containers.AsNoTracking().Where(x => x.Id == id).Select(x => new { x.TeamId, x.RemovedAt }).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (visible is null || !caller.CanView(visible.TeamId))
            {
                if (visible is not null) await guard.DemandAsync(false, caller, action, "container", id.ToString(), visible.TeamId, hidden: true, cancellationToken).ConfigureAwait(false);
                throw ControlPlaneException.NotFound($"container {id}");
            }
            await guard.DemandAsync(caller.CanOperate(visible.TeamId), caller, action, "container", id.ToString(), visible.TeamId, hidden: false, cancellationToken).ConfigureAwait(false);
            if (visible.RemovedAt is not null) throw ControlPlaneException.Conflict($"container {id} was removed");

            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // Row lock: a worker's update and this change serialise instead of racing.
            c = await db.Containers.FromSql($"SELECT *, xmin FROM containers WHERE \"Id\" = {id} FOR UPDATE").Include(x => x.Team).FirstAsync(cancellationToken).ConfigureAwait(false);
            bool changed;
            try
            {
                changed = await change(db, c, c.Team!.Name).ConfigureAwait(false);
            }
            catch (ControlPlaneException e) when (e.Kind == ProblemKind.QuotaExceeded)
            {
                await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
                await audit.WriteAsync(new AuditRecord(caller, action, "container", id.ToString(), c.TeamId, AuditRecord.Denied, e.Message), cancellationToken).ConfigureAwait(false);
                throw;
            }
            c.UpdatedAt = DateTimeOffset.UtcNow;
            var entry = await audit.AppendAsync(db, new AuditRecord(caller, action, "container", id.ToString(), c.TeamId, AuditRecord.Allowed, c.Name), cancellationToken).ConfigureAwait(false);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            audit.Anchor(entry);
            if (!changed) return await GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
        }
        await then(c).ConfigureAwait(false);
        return await GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Admits the definition's published ports (see <see cref="PortGuard"/>) inside the change's transaction, then,
    /// on this node, asks the engine whether anything else holds them (a container made with the <c>berth</c>
    /// command, a program of the host): a conflict either way, with nothing written.
    /// </summary>
    private async Task AdmitPortsAsync(BerthDbContext db, Caller caller, string nodeId, ContainerSpec spec, Guid? self, string? selfEngineId, CancellationToken cancellationToken)
    {
        if (spec.Ports.Count == 0) return;
        await PortGuard.CheckAsync(db, caller, nodeId, spec, self, cancellationToken).ConfigureAwait(false);
        if (nodeId != node.NodeId) return;
        // One port at a time, so that the refusal names the port without repeating the engine's words, which name the
        // holder: a container of another team, or one made with the berth command, is none of the caller's business.
        foreach (var port in SpecValidator.PortsOf(spec))
        {
            try { node.Engine.Networks.EnsurePortsFree([port], node.Engine.IsLive, selfEngineId); }
            catch (Berth.Networking.NetworkException)
            {
                throw ControlPlaneException.Conflict($"ports: host port {port.HostIp}:{port.HostPort}/{port.Protocol} is already in use on node {nodeId}");
            }
        }
    }

    /// <summary>The unique index on a team's live container names (see the container's entity configuration).</summary>
    private const string UniqueNameIndex = "IX_containers_TeamId_Name";

    private Task<Container?> LaunchAndWaitAsync(Container c, Caller caller, Container? committed, CancellationToken cancellationToken)
        => WaitAsync(c.Id, dispatcher.DispatchAsync(c.NodeId, j => j.LaunchAsync(c.Id, caller.UserId, CancellationToken.None), committed),
            x => x.State != ContainerState.Pending || x.Desired != DesiredState.Running, cancellationToken);

    /// <summary>
    /// Waits, at most <see cref="ControlPlaneOptions.LaunchWaitSeconds"/>, for the job to finish and the container
    /// to reach <paramref name="done"/> (a job sent through a queue finishes in another process). A slow job goes
    /// on; the answer then shows the state so far. Returns the container once it is done, as the job saved it when
    /// it ran in this process, else as last read (with its team and owner); null when the wait ran out.
    /// </summary>
    private async Task<Container?> WaitAsync(Guid id, Task<Container?> job, Func<Container, bool> done, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.LaunchWaitSeconds));
        try
        {
            // A job run in this process hands over the container as it saved it.
            if (await job.WaitAsync(timeout.Token).ConfigureAwait(false) is { } saved && done(saved)) return saved;
            await using var db = await dbFactory.CreateDbContextAsync(timeout.Token).ConfigureAwait(false);
            while (await db.Containers.AsNoTracking().Include(x => x.Team).Include(x => x.Owner).FirstOrDefaultAsync(x => x.Id == id, timeout.Token).ConfigureAwait(false) is { } c)
            {
                if (done(c)) return c;
                await Task.Delay(20, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        return null;
    }

    /// <summary>The team named by <paramref name="team"/> (a name or an id), or the one team the caller operates when none is named.</summary>
    internal static async Task<TeamRef> ResolveTeamAsync(BerthDbContext db, Caller caller, string? team, CancellationToken cancellationToken)
    {
        if (team is null)
        {
            var operable = caller.Teams.Where(t => caller.CanOperate(t.Key)).Select(t => t.Key).ToList();
            if (operable.Count != 1)
                throw ControlPlaneException.Invalid(operable.Count == 0 ? "team is required: you operate no team" : "team is required: you operate several teams");
            if (caller.TeamNames.TryGetValue(operable[0], out var known)) return new TeamRef(operable[0], known);
            return await db.Teams.AsNoTracking().Where(t => t.Id == operable[0]).Select(t => new TeamRef(t.Id, t.Name)).FirstAsync(cancellationToken).ConfigureAwait(false);
        }
        var found = Guid.TryParse(team, out var teamId)
            ? await db.Teams.AsNoTracking().Where(t => t.Id == teamId).Select(t => new TeamRef(t.Id, t.Name)).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false)
            : await db.Teams.AsNoTracking().Where(t => t.Name == team).Select(t => new TeamRef(t.Id, t.Name)).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (found is null || !caller.CanView(found.Id)) throw ControlPlaneException.NotFound($"team {team}");
        return found;
    }

    private ContainerSpec Merge(ContainerSpec? template, CreateContainerRequest r)
    {
        var o = options.Value;
        return new ContainerSpec
        {
            Image = r.Image ?? template?.Image ?? "",
            Command = r.Command ?? template?.Command ?? [],
            Env = r.Env ?? template?.Env ?? new Dictionary<string, string>(),
            MemoryBytes = r.MemoryBytes ?? template?.MemoryBytes ?? o.DefaultMemoryBytes,
            Cpus = r.Cpus ?? template?.Cpus ?? o.DefaultCpus,
            PidsLimit = r.PidsLimit ?? template?.PidsLimit ?? o.DefaultPidsLimit,
            Mounts = r.Mounts ?? template?.Mounts ?? [],
            RestartPolicy = r.RestartPolicy ?? template?.RestartPolicy ?? "no",
            MaxRetries = r.MaxRetries ?? template?.MaxRetries,
            HealthCheck = r.HealthCheck ?? template?.HealthCheck,
            TtlSeconds = r.TtlSeconds ?? template?.TtlSeconds,
            IdleStopSeconds = r.IdleStopSeconds ?? template?.IdleStopSeconds,
            UserNamespace = r.UserNamespace ?? template?.UserNamespace ?? o.DefaultUserNamespace,
            SeccompProfile = r.SeccompProfile is { ValueKind: not (System.Text.Json.JsonValueKind.Null or System.Text.Json.JsonValueKind.Undefined) } seccomp ? seccomp.Clone() : template?.SeccompProfile,
            Network = r.Network ?? template?.Network ?? SpecValidator.NetworkNone,
            Ports = r.Ports ?? template?.Ports ?? [],
        };
    }

    private static string GeneratedName(string image)
    {
        var baseName = image.Split('@')[0].Split('/')[^1].Split(':')[0];
        var clean = new string(baseName.Where(ch => char.IsAsciiLetterOrDigit(ch) || ch is '_' or '.' or '-').ToArray());
        if (clean.Length == 0 || !char.IsAsciiLetterOrDigit(clean[0])) clean = "c" + clean;
        if (clean.Length > 50) clean = clean[..50];
        return clean + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)).ToString(CultureInfo.InvariantCulture);
    }
}
