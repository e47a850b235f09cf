using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Jobs;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.ControlPlane.Workers;

/// <summary>What is done to a container whose health check failed: restart it, or stop it, as its definition says.</summary>
public static class Unhealthy
{
    /// <summary>Records the action (the run that ends gets the reason <c>unhealthy</c>) and dispatches it to the container's node.</summary>
    public static async Task ActAsync(IDbContextFactory<BerthDbContext> dbFactory, JobDispatcher dispatcher, Guid id, string action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dbFactory);
        ArgumentNullException.ThrowIfNull(dispatcher);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var c = await db.Containers.FirstAsync(x => x.Id == id, cancellationToken).ConfigureAwait(false);
        if (c.Desired != DesiredState.Running) return;
        c.StopReason = "unhealthy";
        if (action == "stop") c.Desired = DesiredState.Stopped;
        db.Events.Add(RunBook.Event(c, "health-action", action));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await (action == "stop"
            ? dispatcher.DispatchAsync(c.NodeId, j => j.StopAsync(id, CancellationToken.None))
            : dispatcher.DispatchAsync(c.NodeId, j => j.RestartAsync(id, null, CancellationToken.None))).ConfigureAwait(false);
    }
}
