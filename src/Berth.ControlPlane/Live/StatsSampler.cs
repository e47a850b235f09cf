using System.Diagnostics;
using Berth.Cgroups;
using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Security;
using Berth.ControlPlane.Workers;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Berth.ControlPlane.Live;

/// <summary>
/// Samples this node's running control-plane containers once per <see cref="ControlPlaneOptions.StatsIntervalMilliseconds"/>
/// (however many subscribers there are) and publishes their stats and the host's summary on <see cref="LiveFeed"/>;
/// every <see cref="ControlPlaneOptions.UsageFlushSeconds"/> writes one <see cref="UsageSample"/> per container in one
/// batch; and stops containers that stayed idle for their <see cref="ContainerSpec.IdleStopSeconds"/>.
/// </summary>
/// <remarks>
/// Kept cheap for hundreds of containers: the running containers are held in a map by engine id, read again from
/// the database every few seconds and soon after <see cref="EngineEventIngestor.ContainersChanged"/>; each one's
/// cgroup is resolved once (<see cref="ContainerEngine.OpenStats"/>) and only its counters are read per tick; and a
/// sample is serialised only when someone reads it, once for all readers (<see cref="LiveItem{T}"/>).
/// </remarks>
public sealed class StatsSampler(
    IDbContextFactory<BerthDbContext> dbFactory, NodeEngine node, LiveFeed feed, EngineEventIngestor ingestor, ContainerService containers,
    IOptions<ControlPlaneOptions> options, TimeProvider time, ILogger<StatsSampler> logger) : BackgroundService
{
    /// <summary>The map of running containers is read again at least this often.</summary>
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(5);

    /// <summary>…and at most this often, however often containers change.</summary>
    private static readonly TimeSpan RefreshAtMost = TimeSpan.FromSeconds(1);

    /// <summary>Limits at or above this are "unlimited" (cgroup v1 writes 2^63 rounded down to a page).</summary>
    private const ulong Unlimited = 1UL << 62;

    private readonly Dictionary<string, Tracked> _tracked = new(StringComparer.Ordinal);
    private readonly List<Tracked> _retired = [];
    private readonly HostReader _host = new();
    private readonly List<Task> _stopping = [];
    private IReadOnlyList<TeamStateCount> _counts = [];
    private int _changed = 1;
    private long _lastRefresh;
    private long _lastFlush = Stopwatch.GetTimestamp();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ingestor.ContainersChanged += OnContainersChanged;
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.StatsIntervalMilliseconds), time);
            do
            {
                await TickAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            ingestor.ContainersChanged -= OnContainersChanged;
            // What was measured since the last flush is written on a clean stop.
            using var last = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try { await FlushAsync(last.Token).ConfigureAwait(false); }
            catch (Exception e) { logger.LogWarning("usage of the last {Seconds} s not written: {Message}", options.Value.UsageFlushSeconds, e.Message); }
            try { await Task.WhenAll(_stopping).ConfigureAwait(false); }
            catch (Exception e) { logger.LogDebug(e, "idle stop cut short by shutdown"); }
        }
    }

    private void OnContainersChanged(IReadOnlyList<Guid> ids) => Interlocked.Exchange(ref _changed, 1);

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        var sinceRefresh = _lastRefresh == 0 ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(_lastRefresh, now);
        if (sinceRefresh >= RefreshEvery || (sinceRefresh >= RefreshAtMost && Volatile.Read(ref _changed) == 1))
        {
            Interlocked.Exchange(ref _changed, 0);
            _lastRefresh = now;
            try { await RefreshAsync(cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // PostgreSQL away: go on sampling what is known.
                Interlocked.Exchange(ref _changed, 1);
                logger.LogWarning("running containers not read: {Message}", e.Message);
            }
        }

        Sample(now);

        if (Stopwatch.GetElapsedTime(_lastFlush, now).TotalSeconds >= options.Value.UsageFlushSeconds)
        {
            _lastFlush = now;
            try { await FlushAsync(cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Kept: the next flush writes a longer interval.
                logger.LogWarning("usage samples not written yet: {Message}", e.Message);
            }
        }

        StopIdle(now, cancellationToken);
    }

    /// <summary>Reads the node's running containers into the map, and the container counts for dashboards.</summary>
    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var rows = await db.Containers.AsNoTracking()
            .Where(c => c.NodeId == node.NodeId && c.EngineId != null && (c.State == ContainerState.Running || c.State == ContainerState.Restarting))
            .Select(c => new { c.Id, c.TeamId, c.OwnerId, c.EngineId, c.Spec })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var counts = await db.Containers.AsNoTracking().Where(c => c.RemovedAt == null)
            .GroupBy(c => new { c.TeamId, c.State })
            .Select(g => new TeamStateCount(g.Key.TeamId, g.Key.State, g.Count()))
            .ToListAsync(cancellationToken).ConfigureAwait(false);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in rows)
        {
            seen.Add(r.EngineId!);
            if (!_tracked.ContainsKey(r.EngineId!))
                _tracked[r.EngineId!] = new Tracked(r.Id, r.TeamId, r.OwnerId, r.EngineId!, r.Spec.Cpus, r.Spec.IdleStopSeconds);
        }
        foreach (var gone in _tracked.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            if (_tracked.Remove(gone, out var t) && t.UsageSeconds > 0) _retired.Add(t);
        }
        feed.RetainContainerStats(_tracked.Values.Select(t => t.Id).ToHashSet());

        counts.Sort((a, b) => a.TeamId != b.TeamId ? a.TeamId.CompareTo(b.TeamId) : string.CompareOrdinal(a.State, b.State));
        if (!counts.SequenceEqual(_counts))
        {
            _counts = counts;
            feed.PublishDashboard(time.GetUtcNow(), counts);
        }
    }

    /// <summary>Reads every tracked container's counters once and publishes the samples and the host's summary.</summary>
    private void Sample(long now)
    {
        var wall = time.GetUtcNow();
        var idleFraction = options.Value.IdleCpuFraction;
        var samples = new List<ContainerStatsSample>(_tracked.Count);
        foreach (var t in _tracked.Values)
        {
            if (t.Reader is null)
            {
                // Not running yet, or between two runs: no runtime state to resolve the cgroup from.
                try { t.Reader = node.Engine.OpenStats(t.EngineId); }
                catch (EngineException) { continue; }
            }
            CgroupStats? stats;
            try { stats = t.Reader.Read(); }
            catch (Exception e) when (e is CgroupException or IOException) { stats = null; }
            if (stats is null)
            {
                t.Reader = null;
                t.HasPrevious = false;
                continue;
            }
            if (t.Update(stats, now, wall, idleFraction) is { } sample) samples.Add(sample);
        }
        feed.PublishContainerStats(samples);
        feed.PublishHostStats(_host.Read(node.NodeId, wall, _tracked.Count));
    }

    /// <summary>Writes one usage sample per container with usage since the last flush, in one batch.</summary>
    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        var pending = _tracked.Values.Concat(_retired).Where(t => t.UsageSeconds > 0).ToList();
        if (pending.Count == 0)
        {
            _retired.Clear();
            return;
        }
        var at = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        db.UsageSamples.AddRange(pending.Select(t => new UsageSample
        {
            ContainerId = t.Id,
            TeamId = t.TeamId,
            UserId = t.OwnerId,
            Time = at,
            IntervalSeconds = t.UsageSeconds,
            CpuSeconds = t.UsageCpuNanoseconds / 1e9,
            MemoryBytes = (long)(t.UsageMemoryByteSeconds / t.UsageSeconds),
            Pids = t.UsagePids,
            IoReadBytes = (long)t.UsageReadBytes,
            IoWriteBytes = (long)t.UsageWriteBytes,
        }));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        foreach (var t in pending) t.ResetUsage();
        _retired.Clear();
    }

    /// <summary>Stops (as the system, reason <c>idle</c>) each container idle for its <see cref="ContainerSpec.IdleStopSeconds"/>.</summary>
    private void StopIdle(long now, CancellationToken cancellationToken)
    {
        _stopping.RemoveAll(s => s.IsCompleted);
        foreach (var t in _tracked.Values)
        {
            if (t.IdleStopSeconds is not { } limit || t.StopRequested || !t.HasPrevious) continue;
            if (Stopwatch.GetElapsedTime(t.IdleSince, now).TotalSeconds < limit) continue;
            t.StopRequested = true;
            logger.LogInformation("container {Id} idle for {Seconds} s (CPU below {Fraction} of a core): stopping it", t.Id, limit, options.Value.IdleCpuFraction);
            _stopping.Add(StopIdleAsync(t.Id, cancellationToken));
        }
    }

    private async Task StopIdleAsync(Guid id, CancellationToken cancellationToken)
    {
        try
        {
            await containers.StopAsync(Caller.System, id, "idle", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("idle container {Id} not stopped: {Message}", id, e.Message);
        }
    }

    /// <summary>One running container: its cgroup reader, its previous counters, its usage since the last flush, and how long it has been idle.</summary>
    private sealed class Tracked(Guid id, Guid teamId, Guid ownerId, string engineId, double? cpus, int? idleStopSeconds)
    {
        private long _previousTime;
        private ulong _previousCpu, _previousRead, _previousWrite;

        public Guid Id { get; } = id;
        public Guid TeamId { get; } = teamId;
        public Guid OwnerId { get; } = ownerId;
        public string EngineId { get; } = engineId;
        public int? IdleStopSeconds { get; } = idleStopSeconds;

        public ContainerStatsReader? Reader { get; set; }
        public bool HasPrevious { get; set; }
        public long IdleSince { get; private set; }
        public bool StopRequested { get; set; }

        public double UsageSeconds { get; private set; }
        public double UsageCpuNanoseconds { get; private set; }
        public double UsageMemoryByteSeconds { get; private set; }
        public long UsagePids { get; private set; }
        public ulong UsageReadBytes { get; private set; }
        public ulong UsageWriteBytes { get; private set; }

        /// <summary>Takes a reading; returns the sample over the interval since the previous one (none for the first reading of a run).</summary>
        public ContainerStatsSample? Update(CgroupStats s, long now, DateTimeOffset wall, double idleFraction)
        {
            ContainerStatsSample? sample = null;
            if (!HasPrevious)
            {
                IdleSince = now;
            }
            else if (Stopwatch.GetElapsedTime(_previousTime, now).TotalSeconds is var seconds and > 0)
            {
                var cpu = Delta(s.CpuUsageTotal, _previousCpu);
                var read = Delta(s.IoReadBytes, _previousRead);
                var write = Delta(s.IoWriteBytes, _previousWrite);
                var workingSet = (long)s.MemoryWorkingSet;
                UsageSeconds += seconds;
                UsageCpuNanoseconds += cpu;
                UsageMemoryByteSeconds += workingSet * seconds;
                UsagePids = Math.Max(UsagePids, (long)s.PidsCurrent);
                UsageReadBytes += read;
                UsageWriteBytes += write;
                var cores = cpu / 1e9 / seconds;
                if (cores >= idleFraction) IdleSince = now;
                sample = new ContainerStatsSample(Id, TeamId, wall, Math.Round(seconds, 3), Math.Round(cores * 100, 2), cpus,
                    workingSet, (long)s.MemoryCache, s.MemoryLimit is 0 or >= Unlimited ? null : (long)s.MemoryLimit,
                    (long)s.PidsCurrent, s.PidsLimit == 0 ? null : (long)s.PidsLimit,
                    (long)s.IoReadBytes, (long)s.IoWriteBytes, Math.Round(read / seconds, 1), Math.Round(write / seconds, 1),
                    (long)s.OomKills,
                    s.Pressure.Count == 0 ? null : s.Pressure.ToDictionary(p => p.Key, p => new PressureSample(p.Value.SomeAvg10, p.Value.SomeAvg60, p.Value.FullAvg10, p.Value.FullAvg60)));
            }
            _previousTime = now;
            _previousCpu = s.CpuUsageTotal;
            _previousRead = s.IoReadBytes;
            _previousWrite = s.IoWriteBytes;
            HasPrevious = true;
            return sample;
        }

        public void ResetUsage()
        {
            UsageSeconds = UsageCpuNanoseconds = UsageMemoryByteSeconds = 0;
            UsagePids = 0;
            UsageReadBytes = UsageWriteBytes = 0;
        }

        /// <summary>How much a cumulative counter grew; a counter that went back started again with a new run.</summary>
        private static ulong Delta(ulong now, ulong before) => now >= before ? now - before : now;
    }
}
