using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Jobs;
using Berth.ControlPlane.Security;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Berth.ControlPlane.Workers;

/// <summary>
/// The node's supervisor: reconciles once at start (so a host that crashed catches up at once), then every second
/// stops containers whose time to live is over, as the system (audited).
/// </summary>
public sealed class Supervisor(IServiceScopeFactory scopes, IDbContextFactory<BerthDbContext> dbFactory, NodeEngine node, ContainerService containers, TimeProvider time, ILogger<Supervisor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<SupervisionJobs>().ReconcileAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("reconciliation at start failed (the recurring job retries): {Message}", e.Message);
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ExpireAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("time-to-live check failed: {Message}", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The containers of <paramref name="nodeId"/> wanted running whose time to live ran out by <paramref name="now"/>,
    /// as the supervisor reads them every second: the partial index on (NodeId, ExpiresAt) holds only the containers
    /// that have a time to live, so the read does not grow with the containers the node ever had.
    /// </summary>
    public static IQueryable<Guid> Expired(BerthDbContext db, string nodeId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Containers.AsNoTracking()
            .Where(c => c.NodeId == nodeId && c.Desired == DesiredState.Running && c.ExpiresAt != null && c.ExpiresAt <= now)
            .Select(c => c.Id);
    }

    /// <summary>Stops every container of this node whose time to live has run out.</summary>
    public async Task ExpireAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        List<Guid> expired;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            expired = await Expired(db, node.NodeId, now).ToListAsync(cancellationToken).ConfigureAwait(false);
        }
        foreach (var id in expired)
        {
            logger.LogInformation("container {Id}: time to live is over; stopping it", id);
            _ = Task.Run(async () =>
            {
                try { await containers.StopAsync(Caller.System, id, "ttl", cancellationToken).ConfigureAwait(false); }
                catch (Exception e) when (e is not OperationCanceledException) { logger.LogWarning("container {Id}: stop at the end of its time to live failed: {Message}", id, e.Message); }
            }, cancellationToken);
        }
    }
}
