using System.Diagnostics;
using System.Runtime.CompilerServices;
using Berth.ControlPlane.Audit;
using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Security;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Container = Berth.Data.Entities.Container;

namespace Berth.ControlPlane.Live;

/// <summary>
/// Live views of one container for a caller (the hub, REST snapshots, the UI): each call first checks that the
/// caller may see the container (<see cref="ControlPlaneException"/> "not found" otherwise, as for other teams' ids).
/// </summary>
public sealed class LiveService(IDbContextFactory<BerthDbContext> dbFactory, NodeEngine node, LiveFeed feed, AuditLog audit, Guard guard, IOptions<ControlPlaneOptions> options)
{
    /// <summary>Most log lines sent in one batch.</summary>
    public const int MaxLinesPerBatch = 1000;

    /// <summary>Log batches are sent at most this often.</summary>
    public static readonly TimeSpan LogBatchWindow = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest span of stats history read at once (samples are kept <see cref="ControlPlaneOptions.SampleRetentionDays"/>).</summary>
    public static readonly TimeSpan MaxHistorySpan = TimeSpan.FromDays(31);

    /// <summary>Most points of stats history returned at once.</summary>
    public const int MaxHistoryPoints = 1000;

    /// <summary>The container, when <paramref name="caller"/> may see it.</summary>
    /// <exception cref="ControlPlaneException">Not found, or of a team the caller does not see.</exception>
    public async Task<Container> VisibleAsync(Caller caller, Guid containerId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await ContainerService.FindVisibleAsync(db, caller, containerId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The container's latest stats sample, waiting a few ticks for the first one after a start.</summary>
    /// <exception cref="ControlPlaneException">Not visible (not found), not running on this node, or no sample yet (conflict).</exception>
    public async Task<ContainerStatsSample> StatsAsync(Caller caller, Guid containerId, CancellationToken cancellationToken)
    {
        var c = await RunningAsync(caller, containerId, cancellationToken).ConfigureAwait(false);
        var wait = TimeSpan.FromMilliseconds(3 * options.Value.StatsIntervalMilliseconds) + TimeSpan.FromSeconds(5);
        var item = await feed.NextContainerStatsAsync(c.Id, wait, cancellationToken).ConfigureAwait(false)
            ?? throw ControlPlaneException.Conflict($"container {containerId} has no stats yet; try again");
        return item.Value;
    }

    /// <summary>
    /// The container's stats history over (<paramref name="from"/>, <paramref name="to"/>] from its usage samples, as
    /// at most <paramref name="points"/> points oldest first: the span is cut into that many equal buckets, each
    /// holding the samples whose intervals end in it, summed in the database; buckets with no sample give no point.
    /// </summary>
    /// <exception cref="ControlPlaneException">
    /// Bad range or count (invalid: <paramref name="from"/> not before <paramref name="to"/>, a span over
    /// <see cref="MaxHistorySpan"/>, points not in 1..<see cref="MaxHistoryPoints"/>), or not visible (not found).
    /// </exception>
    public async Task<IReadOnlyList<ContainerStatsPoint>> StatsHistoryAsync(Caller caller, Guid containerId, DateTimeOffset from, DateTimeOffset to, int points, CancellationToken cancellationToken)
    {
        if (from >= to) throw ControlPlaneException.Invalid($"from ({from:O}) must be before to ({to:O})");
        if (to - from > MaxHistorySpan) throw ControlPlaneException.Invalid($"from..to spans {to - from}; at most {MaxHistorySpan.TotalDays} days of history are read at once");
        if (points is <= 0 or > MaxHistoryPoints) throw ControlPlaneException.Invalid($"points must be 1 to {MaxHistoryPoints} (given: {points})");
        await VisibleAsync(caller, containerId, cancellationToken).ConfigureAwait(false);
        var start = from.ToUniversalTime();
        var end = to.ToUniversalTime();
        // Bucket k (1..points) holds the intervals that end in (from + (k-1)·w, from + k·w], w = span / points: reckoned
        // in numeric, exact to the microsecond, so that a sample on a bucket's edge never falls into the next.
        var spanSeconds = (decimal)(end - start).Ticks / TimeSpan.TicksPerSecond;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var buckets = await db.Database.SqlQuery<HistoryBucket>($"""
            SELECT max("Time") AS "Time", sum("IntervalSeconds") AS "Seconds", sum("CpuSeconds") AS "CpuSeconds",
                   sum("MemoryBytes"::double precision * "IntervalSeconds") AS "MemoryByteSeconds", max("Pids") AS "Pids",
                   sum("IoReadBytes")::double precision AS "IoReadBytes", sum("IoWriteBytes")::double precision AS "IoWriteBytes"
            FROM usage_samples
            WHERE "ContainerId" = {containerId} AND "Time" > {start} AND "Time" <= {end}
            GROUP BY ceil(extract(epoch FROM "Time" - {start}) * {points} / {spanSeconds})
            HAVING sum("IntervalSeconds") > 0
            ORDER BY 1
            """).ToListAsync(cancellationToken).ConfigureAwait(false);
        return buckets.Select(b => new ContainerStatsPoint(b.Time, Math.Round(b.Seconds, 3), Math.Round(b.CpuSeconds / b.Seconds * 100, 2),
            (long)(b.MemoryByteSeconds / b.Seconds), b.Pids, Math.Round(b.IoReadBytes / b.Seconds, 1), Math.Round(b.IoWriteBytes / b.Seconds, 1))).ToList();
    }

    /// <summary>The container's processes now.</summary>
    /// <exception cref="ControlPlaneException">Not visible (not found), or not running on this node (conflict).</exception>
    public async Task<ProcessTree> ProcessesAsync(Caller caller, Guid containerId, CancellationToken cancellationToken)
    {
        var c = await RunningAsync(caller, containerId, cancellationToken).ConfigureAwait(false);
        try { return node.Engine.Top(c.EngineId!); }
        catch (EngineException e) { throw ControlPlaneException.Conflict($"container {containerId} is not running: {e.Message}"); }
    }

    /// <summary>
    /// The container's processes every second while enumerated, with each one's CPU use since the previous sample
    /// (an empty tree while it does not run), after the rights check, which runs when the enumeration starts.
    /// </summary>
    public async IAsyncEnumerable<ProcessTreeSample> ProcessTreeAsync(Caller caller, Guid containerId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var c = await VisibleAsync(caller, containerId, cancellationToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        ProcessTree? previous = null;
        var previousAt = 0L;
        do
        {
            ProcessTree tree;
            try { tree = c.EngineId is { } id && c.NodeId == node.NodeId ? node.Engine.Top(id) : new ProcessTree([]); }
            catch (EngineException) { tree = new ProcessTree([]); }
            var now = Stopwatch.GetTimestamp();
            var cpu = previous is null ? tree.Walk().ToDictionary(n => n.Node.Pid, _ => 0.0)
                : ProcessTree.CpuPercent(previous, tree, Stopwatch.GetElapsedTime(previousAt, now)).ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 1));
            (previous, previousAt) = (tree, now);
            yield return new ProcessTreeSample(DateTimeOffset.UtcNow, tree.Roots, cpu);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The container's log: the last <paramref name="tail"/> lines, then new lines as they are written, in batches of
    /// at most <see cref="MaxLinesPerBatch"/> lines and at most one batch per <see cref="LogBatchWindow"/>; ends when
    /// the container has stopped and its log is read to the end (at once when it has no log on this node).
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<ContainerLogLine>> LogsAsync(Caller caller, Guid containerId, int tail, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (tail < 0) throw ControlPlaneException.Invalid("tail must be 0 or more");
        var c = await VisibleAsync(caller, containerId, cancellationToken).ConfigureAwait(false);
        if (c.EngineId is not { } engineId || c.NodeId != node.NodeId || node.Engine.Containers.TryFind(engineId) is not { } record) yield break;
        var running = Throttled(() => Running(engineId), TimeSpan.FromSeconds(1));
        var lines = ContainerLogReader.FollowAsync(node.Engine.LogPath(record), tail, running, cancellationToken);
        await foreach (var batch in lines.BatchAsync(LogBatchWindow, MaxLinesPerBatch, cancellationToken).ConfigureAwait(false)) yield return batch;
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to one process of the container, named by its host pid (as the process tree
    /// shows it): for members, owners and admins. Audited as <c>container.kill-process</c> with the pid, the signal
    /// and the command; a refusal as denied, a failure as failed.
    /// </summary>
    /// <exception cref="ControlPlaneException">Not visible (not found), not allowed (forbidden), not running, or no such process in it.</exception>
    public async Task KillProcessAsync(Caller caller, Guid containerId, int hostPid, int signal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var c = await OperableAsync(caller, containerId, "container.kill-process", cancellationToken).ConfigureAwait(false);
        var command = "?";
        string? error = null;
        try
        {
            command = node.Engine.Top(c.EngineId!).Walk().FirstOrDefault(n => n.Node.Pid == hostPid).Node?.Command ?? "?";
            node.Engine.KillProcess(c.EngineId!, hostPid, signal);
        }
        catch (EngineException e)
        {
            error = e.Message;
        }
        var detail = $"pid {hostPid} ({command}) signal {signal}" + (error is null ? "" : ": " + error);
        await audit.WriteAsync(new AuditRecord(caller, "container.kill-process", "container", containerId.ToString(), c.TeamId,
            error is null ? AuditRecord.Allowed : AuditRecord.Failed, detail), cancellationToken).ConfigureAwait(false);
        if (error is not null) throw ControlPlaneException.Conflict(error);
    }

    /// <summary>
    /// The running container, when <paramref name="caller"/> may operate it: not found when they cannot see it,
    /// forbidden (audited as denied) when they only see it, conflict when it does not run here.
    /// </summary>
    public async Task<Container> OperableAsync(Caller caller, Guid containerId, string action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var c = await db.Containers.AsNoTracking().FirstOrDefaultAsync(x => x.Id == containerId, cancellationToken).ConfigureAwait(false);
        if (c is null || !caller.CanView(c.TeamId))
        {
            if (c is not null) await guard.DemandAsync(false, caller, action, "container", containerId.ToString(), c.TeamId, hidden: true, cancellationToken).ConfigureAwait(false);
            throw ControlPlaneException.NotFound($"container {containerId}");
        }
        await guard.DemandAsync(caller.CanOperate(c.TeamId), caller, action, "container", containerId.ToString(), c.TeamId, hidden: false, cancellationToken).ConfigureAwait(false);
        if (c.State is not (ContainerState.Running or ContainerState.Restarting) || c.EngineId is null || c.NodeId != node.NodeId)
            throw ControlPlaneException.Conflict($"container {containerId} is not running (it is {c.State})");
        return c;
    }

    private async Task<Container> RunningAsync(Caller caller, Guid containerId, CancellationToken cancellationToken)
    {
        var c = await VisibleAsync(caller, containerId, cancellationToken).ConfigureAwait(false);
        if (c.State is not (ContainerState.Running or ContainerState.Restarting) || c.EngineId is null || c.NodeId != node.NodeId)
            throw ControlPlaneException.Conflict($"container {containerId} is not running (it is {c.State})");
        return c;
    }

    /// <summary>Whether the container's shim still runs: one record read, not a listing of all containers.</summary>
    private bool Running(string engineId)
    {
        try { return ContainerEngine.IsShimAlive(node.Engine.Containers.Load(engineId)); }
        catch (EngineException) { return false; }
    }

    /// <summary><paramref name="check"/>'s answer, asked again at most once per <paramref name="every"/> (the log follower asks every 50 ms).</summary>
    private static Func<bool> Throttled(Func<bool> check, TimeSpan every)
    {
        var last = check();
        var at = Stopwatch.GetTimestamp();
        return () =>
        {
            if (Stopwatch.GetElapsedTime(at) >= every)
            {
                last = check();
                at = Stopwatch.GetTimestamp();
            }
            return last;
        };
    }

    /// <summary>The sums of one bucket of usage samples, as the history query reads them.</summary>
    private sealed record HistoryBucket(DateTimeOffset Time, double Seconds, double CpuSeconds, double MemoryByteSeconds, long Pids, double IoReadBytes, double IoWriteBytes);
}
