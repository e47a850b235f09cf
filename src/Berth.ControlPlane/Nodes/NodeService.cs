using Berth.ControlPlane.Security;
using Berth.ControlPlane.Workers;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.ControlPlane.Nodes;

/// <summary>The nodes that registered, for every signed-in user: a node is alive while its heartbeat is younger than <see cref="AliveWithin"/>.</summary>
public sealed class NodeService(IDbContextFactory<BerthDbContext> dbFactory, TimeProvider time)
{
    /// <summary>Three heartbeats: one late beat (a busy database, a GC pause) does not mark a node dead.</summary>
    public static readonly TimeSpan AliveWithin = 3 * NodeHeartbeat.Interval;

    /// <summary>Every node, by id.</summary>
    public async Task<IReadOnlyList<NodeView>> ListAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var nodes = await db.Nodes.AsNoTracking().OrderBy(n => n.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        var running = await db.Containers.AsNoTracking().Where(c => c.State == ContainerState.Running && c.RemovedAt == null)
            .GroupBy(c => c.NodeId).Select(g => new { Node = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Node, g => g.Count, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        return nodes.Select(n => new NodeView(n.Id, n.Hostname, n.CpuCount, n.MemoryBytes, n.BerthVersion, n.StartedAt, n.HeartbeatAt,
            running.GetValueOrDefault(n.Id), now - n.HeartbeatAt <= AliveWithin)).ToList();
    }
}
