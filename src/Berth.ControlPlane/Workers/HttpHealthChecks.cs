using System.Collections.Concurrent;
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
/// HTTP health checks: a GET to the container's own port from inside its network namespace every interval; a
/// status below 400 is healthy. After <see cref="HealthCheckSpec.Retries"/> failures in a row the container is
/// unhealthy and its action (restart or stop) is taken. Command checks are run by the container's shim instead
/// (their results reach the database through the engine's events).
/// </summary>
/// <remarks>
/// The containers to probe are held in memory and read again (only those with an HTTP check, filtered by
/// PostgreSQL) every few seconds and soon after <see cref="EngineEventIngestor.ContainersChanged"/>; the probes
/// themselves are due by each container's own interval.
/// </remarks>
public sealed class HttpHealthChecks(
    IDbContextFactory<BerthDbContext> dbFactory, NodeEngine node, JobDispatcher dispatcher, EngineEventIngestor ingestor, TimeProvider time,
    ILogger<HttpHealthChecks> logger) : BackgroundService
{
    /// <summary>The containers to probe are read again at least this often.</summary>
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(5);

    /// <summary>…and at most this often, however often containers change.</summary>
    private static readonly TimeSpan RefreshAtMost = TimeSpan.FromSeconds(1);

    private sealed record Probe(DateTimeOffset Due, int Failures, string Status);

    /// <summary>A running container with an HTTP check, and its health as last read or recorded.</summary>
    private sealed record Target(Guid Id, string EngineId, HealthCheckSpec Check, string? Health);

    private readonly ConcurrentDictionary<Guid, Probe> _probes = new();
    private readonly ConcurrentDictionary<Guid, Target> _targets = new();
    private int _changed = 1;
    private long _lastRefresh;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ingestor.ContainersChanged += OnContainersChanged;
        using var unsubscribe = stoppingToken.Register(() => ingestor.ContainersChanged -= OnContainersChanged);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CheckDueAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromMilliseconds(500), time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("HTTP health checks paused: {Message}", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private void OnContainersChanged(IReadOnlyList<Guid> ids) => Interlocked.Exchange(ref _changed, 1);

    /// <summary>
    /// Probes every running container of the node whose HTTP check is due, and records changes of health; reads the
    /// containers to probe again first when the list is old or containers changed.
    /// </summary>
    public async Task CheckDueAsync(CancellationToken cancellationToken)
    {
        var sinceRefresh = _lastRefresh == 0 ? TimeSpan.MaxValue : time.GetElapsedTime(_lastRefresh);
        if (sinceRefresh >= RefreshEvery || (sinceRefresh >= RefreshAtMost && Volatile.Read(ref _changed) == 1)) await RefreshAsync(cancellationToken).ConfigureAwait(false);
        if (_targets.IsEmpty) return;
        var now = time.GetUtcNow();
        await Parallel.ForEachAsync(_targets.Values.ToList(), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (t, ct) =>
        {
            var h = t.Check;
            var state = _probes.GetOrAdd(t.Id, _ => new Probe(now, 0, "starting"));
            if (state.Due > now) return;
            bool ok;
            try
            {
                var status = await node.Engine.ProbeHttpAsync(t.EngineId, h.HttpPort!.Value, h.HttpPath, TimeSpan.FromSeconds(h.TimeoutSeconds), ct).ConfigureAwait(false);
                ok = status is >= 200 and < 400;
            }
            catch (EngineException)
            {
                ok = false;
            }
            var failures = ok ? 0 : state.Failures + 1;
            var health = ok ? "healthy" : failures >= h.Retries ? "unhealthy" : state.Status;
            _probes[t.Id] = new Probe(now.AddSeconds(h.IntervalSeconds), failures, health);
            if (health != state.Status || health != t.Health) await RecordAsync(t, health, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>Reads the node's running containers that have an HTTP check; forgets the probes of the others.</summary>
    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        // Cleared before the read: a change committed while it runs is read at the next refresh. A read that fails
        // is tried again at the next check, as the last refresh is then older than RefreshEvery.
        Interlocked.Exchange(ref _changed, 0);
        List<Target> targets;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            // Spec is JSON text to EF (a value converter), so the test on it is written in SQL against the jsonb.
            var rows = await db.Containers
                .FromSql($"""SELECT * FROM containers WHERE "Spec" -> 'healthCheck' ->> 'httpPort' IS NOT NULL""")
                .AsNoTracking()
                .Where(c => c.NodeId == node.NodeId && c.State == ContainerState.Running && c.Desired == DesiredState.Running && c.EngineId != null)
                .Select(c => new { c.Id, c.EngineId, c.Spec, c.Health })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            targets = rows.Select(r => new Target(r.Id, r.EngineId!, r.Spec.HealthCheck!, r.Health)).ToList();
        }
        _lastRefresh = time.GetTimestamp();
        var ids = targets.Select(t => t.Id).ToHashSet();
        foreach (var gone in _targets.Keys.Where(id => !ids.Contains(id)).ToList()) _targets.TryRemove(gone, out _);
        foreach (var gone in _probes.Keys.Where(id => !ids.Contains(id)).ToList()) _probes.TryRemove(gone, out _);
        foreach (var t in targets) _targets[t.Id] = t;
    }

    private async Task RecordAsync(Target target, string health, CancellationToken cancellationToken)
    {
        var id = target.Id;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var c = await db.Containers.FirstAsync(x => x.Id == id, cancellationToken).ConfigureAwait(false);
        var changed = c.Health != health;
        if (changed)
        {
            c.Health = health;
            db.Events.Add(RunBook.Event(c, "health", health));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        // As the row now holds it: the next probe with the same result needs no read.
        _targets.TryUpdate(id, target with { Health = health }, target);
        if (!changed || health != "unhealthy" || target.Check.Action == "none" || c.Desired != DesiredState.Running) return;
        // Probed again once a refresh finds it running after the action (a restart), with a fresh count.
        _probes.TryRemove(id, out _);
        _targets.TryRemove(id, out _);
        logger.LogInformation("container {Id} is unhealthy: {Action}", id, target.Check.Action);
        await Unhealthy.ActAsync(dbFactory, dispatcher, id, target.Check.Action, cancellationToken).ConfigureAwait(false);
    }
}
