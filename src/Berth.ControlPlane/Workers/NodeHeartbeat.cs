using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Berth.ControlPlane.Workers;

/// <summary>Registers this node (capacity, version, start time) and refreshes its heartbeat every few seconds.</summary>
public sealed class NodeHeartbeat(IDbContextFactory<BerthDbContext> dbFactory, NodeEngine node, TimeProvider time, ILogger<NodeHeartbeat> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly DateTimeOffset _started = time.GetUtcNow();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await BeatAsync(stoppingToken).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException) { logger.LogWarning("node heartbeat not written: {Message}", e.Message); }
            try { await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Writes the node's row now.</summary>
    public async Task BeatAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var row = await db.Nodes.FirstOrDefaultAsync(n => n.Id == node.NodeId, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            row = new Node { Id = node.NodeId };
            db.Nodes.Add(row);
        }
        row.Hostname = Environment.MachineName;
        row.CpuCount = Environment.ProcessorCount;
        row.MemoryBytes = MemTotal();
        row.BerthVersion = typeof(NodeHeartbeat).Assembly.GetName().Version?.ToString() ?? "";
        row.StartedAt = _started;
        row.HeartbeatAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

    private static long MemTotal()
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
            var kb = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        return 0;
    }
}
