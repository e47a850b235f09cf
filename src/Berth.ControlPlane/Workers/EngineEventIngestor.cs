using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Jobs;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Berth.ControlPlane.Workers;

/// <summary>
/// Records what the node's engine reports (starts, exits, OOM kills, restarts by policy, health changes) as runs,
/// states and events of the control plane's containers. It resumes from the last sequence it committed (kept on the
/// node's row, in the same transaction), so whatever happened while the host was down is recorded on its next start.
/// </summary>
public sealed class EngineEventIngestor(IDbContextFactory<BerthDbContext> dbFactory, NodeEngine node, JobDispatcher dispatcher, ContainerLocks locks, ILogger<EngineEventIngestor> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>Raised after a batch of events is committed (the live feeds refresh on it).</summary>
    public event Action<IReadOnlyList<Guid>>? ContainersChanged;

    /// <summary>Raises <see cref="ContainersChanged"/> for a change recorded elsewhere (a launch job's save of a start it recorded itself).</summary>
    public void Changed(IReadOnlyList<Guid> ids) => ContainersChanged?.Invoke(ids);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var tail = new EngineEventTail(node.Engine.Events.Path);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await IngestAsync(tail, stoppingToken).ConfigureAwait(false);
                await Task.Delay(Poll, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // PostgreSQL down or a conflict: read again from the committed sequence after a pause.
                logger.LogWarning("engine events not recorded yet: {Message}", e.Message);
                tail = new EngineEventTail(node.Engine.Events.Path);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Records every event after the node's committed sequence; returns how many were read.</summary>
    public async Task<int> IngestAsync(EngineEventTail tail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tail);
        // The database is read only when the journal grew: an idle node costs a file size check per poll.
        if (!tail.HasNew()) return 0;
        long committed;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            var row = await db.Nodes.AsNoTracking().FirstOrDefaultAsync(n => n.Id == node.NodeId, cancellationToken).ConfigureAwait(false);
            if (row is null) return 0; // the heartbeat registers the node first
            committed = row.EventSequence;
        }
        var events = tail.ReadNew(committed);
        // Small transactions: a busy node's launch jobs touch the same rows, and a long one would keep losing to them.
        foreach (var batch in events.Chunk(BatchSize)) await CommitBatchAsync(batch, cancellationToken).ConfigureAwait(false);
        return events.Count;
    }

    private const int BatchSize = 200;

    /// <summary>
    /// Records one batch in one transaction with the node's sequence; when a job changed one of its containers
    /// meanwhile (the row's xmin moved), applies the same batch again to fresh rows.
    /// </summary>
    private async Task CommitBatchAsync(IReadOnlyList<EngineEvent> events, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            var row = await db.Nodes.FirstAsync(n => n.Id == node.NodeId, cancellationToken).ConfigureAwait(false);
            var fresh = events.Where(e => e.Sequence > row.EventSequence).ToList();
            if (fresh.Count == 0) return;
            var engineIds = fresh.Select(e => e.Subject).Distinct().ToList();
            var containers = await db.Containers.Where(c => c.EngineId != null && engineIds.Contains(c.EngineId) && c.NodeId == node.NodeId)
                .ToDictionaryAsync(c => c.EngineId!, cancellationToken).ConfigureAwait(false);
            // A create and a start alone of a container whose launch job runs now are that job's to record: adopting or
            // marking it here would only make the job's save lose to ours and do its work again.
            var launchOnly = fresh.GroupBy(e => e.Subject).Where(g => g.All(e => e.Action is "create" or "start")).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
            await AdoptAsync(db, engineIds.Where(id => !containers.ContainsKey(id)), containers, launchOnly, cancellationToken).ConfigureAwait(false);
            // One query for the runs of every container whose start or exit the batch holds, not one per event.
            var withRuns = fresh.Where(e => e.Action is "start" or "die" && containers.ContainsKey(e.Subject))
                .Select(e => containers[e.Subject].Id).ToHashSet();
            var runs = await OpenRuns.LoadAsync(db, withRuns, cancellationToken).ConfigureAwait(false);
            var oom = new HashSet<Guid>();
            var unhealthy = new List<(Container Container, string Action)>();
            foreach (var e in fresh)
            {
                row.EventSequence = Math.Max(row.EventSequence, e.Sequence);
                if (!containers.TryGetValue(e.Subject, out var c)) continue;
                if (e.Action == "start" && c.State == ContainerState.Pending && locks.IsHeld(c.Id)) continue;
                Apply(db, runs, c, e, oom, unhealthy);
            }
            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 20)
            {
                continue;
            }
            foreach (var (c, action) in unhealthy) await Unhealthy.ActAsync(dbFactory, dispatcher, c.Id, action, cancellationToken).ConfigureAwait(false);
            if (containers.Count > 0) ContainersChanged?.Invoke(containers.Values.Select(c => c.Id).ToList());
            return;
        }
    }

    /// <summary>
    /// Links engine containers the control plane made but has not recorded yet (a launch whose job has not saved the
    /// engine id: a container that exits at once reports its end before that), found by their label, so that none of
    /// their events is skipped.
    /// </summary>
    private async Task AdoptAsync(BerthDbContext db, IEnumerable<string> engineIds, Dictionary<string, Container> containers, HashSet<string> launchOnly,
        CancellationToken cancellationToken)
    {
        var byId = new Dictionary<Guid, string>();
        foreach (var engineId in engineIds)
        {
            if (node.Engine.Containers.TryFind(engineId) is { } record && record.Labels.TryGetValue("berth.container", out var label) && Guid.TryParse(label, out var id)
                && !(launchOnly.Contains(engineId) && locks.IsHeld(id)))
                byId[id] = engineId;
        }
        if (byId.Count == 0) return;
        var ids = byId.Keys.ToList();
        // Rows linked meanwhile count too: a launch job that saved the engine id between the caller's query by engine id
        // and this one would otherwise leave the container out of both, and its events (its exit) unrecorded for good.
        foreach (var c in await db.Containers.Where(c => ids.Contains(c.Id) && c.NodeId == node.NodeId).ToListAsync(cancellationToken).ConfigureAwait(false))
        {
            var engineId = byId[c.Id];
            if (c.EngineId is not null && c.EngineId != engineId) continue;
            c.EngineId = engineId;
            containers[engineId] = c;
        }
    }

    private static void Apply(BerthDbContext db, OpenRuns runs, Container c, EngineEvent e, HashSet<Guid> oom, List<(Container, string)> unhealthy)
    {
        switch (e.Action)
        {
            case "start":
                // A start the control plane asked for gets its run from the launch job; only a start that follows a
                // restart by policy (the shim's "restart" event) gets one here.
                if (c.State == ContainerState.Restarting && runs.Of(c.Id) is null)
                {
                    runs.Add(new Run { ContainerId = c.Id, TeamId = c.TeamId, Image = c.Spec.Image, StartedAt = e.Time });
                    db.Events.Add(RunBook.Event(c, "restart", "by restart policy", time: e.Time));
                    c.StartedAt = e.Time;
                    c.FinishedAt = null;
                    if (c.Spec.TtlSeconds is { } ttl && c.ExpiresAt is null) c.ExpiresAt = e.Time.AddSeconds(ttl);
                }
                // The launch job recorded this start already (the usual case): the row is left as it is, not rewritten.
                else if (c.State == ContainerState.Running || c.Desired != DesiredState.Running)
                {
                    return;
                }
                if (c.Desired == DesiredState.Running) c.State = ContainerState.Running;
                break;
            case "oom":
                oom.Add(c.Id);
                db.Events.Add(RunBook.Event(c, "oom", "killed by the kernel's OOM killer (memory limit reached)", time: e.Time));
                break;
            case "die":
                db.Events.Add(RunBook.Event(c, "die", $"exit code {e.ExitCode}", time: e.Time));
                // An exit from before the container's last start is an earlier run's, read late: the job that stopped it
                // (a restart's first half) recorded that end, and the run open now, like the state, is the next one's.
                if (c.StartedAt is { } lastStart && e.Time < lastStart) return;
                runs.Close(c.Id, e.Time, e.ExitCode, oom.Contains(c.Id), c.StopReason ?? "exited");
                c.LastExitCode = e.ExitCode;
                c.FinishedAt = e.Time;
                if (c.State is ContainerState.Running or ContainerState.Restarting or ContainerState.Pending) c.State = ContainerState.Stopped;
                break;
            case "restart":
                c.State = ContainerState.Restarting;
                c.RestartCount++;
                break;
            case "destroy":
                if (c.Desired != DesiredState.Removed && c.State != ContainerState.Removed)
                {
                    c.State = ContainerState.Lost;
                    db.Events.Add(RunBook.Event(c, "lost", "removed from its node outside the control plane", time: e.Time));
                }
                break;
            default:
                if (e.Action.StartsWith("health_status: ", StringComparison.Ordinal))
                {
                    var status = e.Action["health_status: ".Length..];
                    if (c.Health != status) db.Events.Add(RunBook.Event(c, "health", status, time: e.Time));
                    c.Health = status;
                    if (status == "unhealthy" && c.Spec.HealthCheck is { Action: not "none" } h && c.Desired == DesiredState.Running) unhealthy.Add((c, h.Action));
                }
                return;
        }
        c.UpdatedAt = DateTimeOffset.UtcNow;
    }
}
