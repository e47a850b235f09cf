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
public sealed class HttpHealthChecks(IDbContextFactory<BerthDbContext> dbFactory, NodeEngine node, JobDispatcher dispatcher, TimeProvider time, ILogger<HttpHealthChecks> logger) : BackgroundService
{
    private sealed record Probe(DateTimeOffset Due, int Failures, string Status);

    private readonly ConcurrentDictionary<Guid, Probe> _probes = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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

    /// <summary>Probes every running container of the node whose HTTP check is due, and records changes of health.</summary>
    public async Task CheckDueAsync(CancellationToken cancellationToken)
    {
        List<Container> running;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            running = await db.Containers.AsNoTracking()
                .Where(c => c.NodeId == node.NodeId && c.State == ContainerState.Running && c.Desired == DesiredState.Running && c.EngineId != null)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
        }
        running = running.Where(c => c.Spec.HealthCheck?.HttpPort is not null).ToList();
        foreach (var gone in _probes.Keys.Except(running.Select(c => c.Id)).ToList()) _probes.TryRemove(gone, out _);
        var now = time.GetUtcNow();
        await Parallel.ForEachAsync(running, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (c, ct) =>
        {
            var h = c.Spec.HealthCheck!;
            var state = _probes.GetOrAdd(c.Id, _ => new Probe(now, 0, "starting"));
            if (state.Due > now) return;
            bool ok;
            try
            {
                var status = await node.Engine.ProbeHttpAsync(c.EngineId!, h.HttpPort!.Value, h.HttpPath, TimeSpan.FromSeconds(h.TimeoutSeconds), ct).ConfigureAwait(false);
                ok = status is >= 200 and < 400;
            }
            catch (EngineException)
            {
                ok = false;
            }
            var failures = ok ? 0 : state.Failures + 1;
            var health = ok ? "healthy" : failures >= h.Retries ? "unhealthy" : state.Status;
            _probes[c.Id] = new Probe(now.AddSeconds(h.IntervalSeconds), failures, health);
            if (health != state.Status || health != c.Health) await RecordAsync(c.Id, health, h, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    private async Task RecordAsync(Guid id, string health, HealthCheckSpec check, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var c = await db.Containers.FirstAsync(x => x.Id == id, cancellationToken).ConfigureAwait(false);
        if (c.Health == health) return;
        c.Health = health;
        db.Events.Add(RunBook.Event(c, "health", health));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        if (health != "unhealthy" || check.Action == "none" || c.Desired != DesiredState.Running) return;
        _probes.TryRemove(id, out _);
        logger.LogInformation("container {Id} is unhealthy: {Action}", id, check.Action);
        await Unhealthy.ActAsync(dbFactory, dispatcher, id, check.Action, cancellationToken).ConfigureAwait(false);
    }
}
