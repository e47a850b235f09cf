using Berth.ControlPlane.Audit;
using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Networks;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Container = Berth.Data.Entities.Container;

namespace Berth.ControlPlane.Jobs;

/// <summary>
/// Recurring work of a node: reconciliation of the database with what the engine reports (after a crash of the
/// host, a lost job, or changes made behind the control plane's back), and the audit chain's anchoring.
/// </summary>
public sealed class SupervisionJobs(IDbContextFactory<BerthDbContext> dbFactory, NodeEngine node, JobDispatcher dispatcher, AuditLog audit, TeamNetworks networks,
    ILogger<SupervisionJobs> logger)
{
    /// <summary>A pending launch older than this is re-driven.</summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Brings the database and the node together: adopts containers the engine made for a launch whose result was
    /// never recorded, closes runs of containers that ended while nobody watched (with the engine's exit code),
    /// marks containers the node no longer has as lost, and re-drives work whose job did not finish.
    /// Returns what it did, one line each.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReconcileAsync(CancellationToken cancellationToken)
    {
        var done = new List<string>();
        var engine = node.Engine;
        var records = engine.List(all: true);
        var byId = records.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var byLabel = records.Where(r => r.Labels.ContainsKey("berth.container"))
            .GroupBy(r => r.Labels["berth.container"]).ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.Created).First());
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        // Read untracked, and only the rows it changes are attached: a node keeps every container it ever had, and a
        // unit of work tracking them all would compare each one's definition on every save and run lookup.
        var containers = await db.Containers.AsNoTracking().Where(c => c.NodeId == node.NodeId && c.State != ContainerState.Removed)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var redrive = new List<(Container C, string Job)>();
        void Track(Container c)
        {
            if (db.Entry(c).State == EntityState.Detached) db.Containers.Attach(c);
        }
        foreach (var c in containers)
        {
            if (c.EngineId is null && byLabel.TryGetValue(c.Id.ToString(), out var made))
            {
                Track(c);
                c.EngineId = made.Id;
                done.Add($"{c.Name}: adopted engine container {made.Id[..12]}");
            }
            var record = c.EngineId is null ? null : byId.GetValueOrDefault(c.EngineId);
            var alive = record is not null && ContainerEngine.IsShimAlive(record);
            switch (c.Desired)
            {
                case DesiredState.Running when c.State == ContainerState.Pending && !alive && now - c.UpdatedAt > StuckAfter:
                    redrive.Add((c, "launch"));
                    break;
                case DesiredState.Running or DesiredState.Stopped when c.EngineId is not null && record is null && c.State != ContainerState.Lost:
                    Track(c);
                    c.State = ContainerState.Lost;
                    c.FinishedAt ??= now;
                    await RunBook.CloseAsync(db, c.Id, now, null, false, "lost", cancellationToken).ConfigureAwait(false);
                    db.Events.Add(RunBook.Event(c, "lost", "its node no longer has it"));
                    done.Add($"{c.Name}: lost (no longer on node {node.NodeId})");
                    break;
                case DesiredState.Running or DesiredState.Stopped when record is not null && !alive && c.State is ContainerState.Running or ContainerState.Restarting or ContainerState.Pending:
                    var state = engine.Inspect(record.Id).State;
                    var ended = state.FinishedAt ?? now;
                    Track(c);
                    c.State = ContainerState.Stopped;
                    c.LastExitCode = state.ExitCode;
                    c.FinishedAt = ended;
                    await RunBook.CloseAsync(db, c.Id, ended, state.ExitCode, state.OomKilled, c.StopReason ?? "exited", cancellationToken).ConfigureAwait(false);
                    db.Events.Add(RunBook.Event(c, "die", $"exit code {state.ExitCode} (found by reconciliation)", time: ended));
                    done.Add($"{c.Name}: ended with {state.ExitCode} while unobserved");
                    break;
                case DesiredState.Stopped when alive:
                    redrive.Add((c, "stop"));
                    break;
                case DesiredState.Removed:
                    redrive.Add((c, "remove"));
                    break;
            }
        }
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (c, job) in redrive)
        {
            done.Add($"{c.Name}: {job} re-driven");
            var id = c.Id;
            await (job switch
            {
                "launch" => dispatcher.DispatchAsync(c.NodeId, j => j.LaunchAsync(id, null, CancellationToken.None)),
                "stop" => dispatcher.DispatchAsync(c.NodeId, j => j.StopAsync(id, CancellationToken.None)),
                _ => dispatcher.DispatchAsync(c.NodeId, j => j.RemoveAsync(id, CancellationToken.None)),
            }).ConfigureAwait(false);
        }
        // A deleted team's network whose removal from this node failed (a container still leaving it) or never ran (the
        // host went down first) goes now.
        var teams = (await db.Teams.AsNoTracking().Select(t => t.Id).ToListAsync(cancellationToken).ConfigureAwait(false)).ToHashSet();
        foreach (var network in engine.Networks.List())
        {
            if (!network.Labels.TryGetValue(TeamNetworks.TeamLabel, out var owner) || !Guid.TryParse(owner, out var teamId) || teams.Contains(teamId)) continue;
            try
            {
                networks.RemoveFromNode(network.Name);
                done.Add($"network {network.Name}: removed (its team was deleted)");
            }
            catch (EngineException e)
            {
                logger.LogWarning("reconciliation: network {Name} of a deleted team stays for now: {Message}", network.Name, e.Message);
            }
        }
        foreach (var line in done) logger.LogInformation("reconciliation: {Line}", line);
        return done;
    }

    /// <summary>Moves the audit anchor to the newest entry when the chain holds; logs loudly when it does not.</summary>
    public async Task AnchorAuditAsync(CancellationToken cancellationToken)
    {
        var result = await audit.AnchorHeadAsync(cancellationToken).ConfigureAwait(false);
        if (!result.Valid) logger.LogError("the audit trail does not verify: {Reason}", result.Reason);
    }
}
