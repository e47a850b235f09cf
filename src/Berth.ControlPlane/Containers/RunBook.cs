using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.ControlPlane.Containers;

/// <summary>Opens and closes runs (start→exit records); each helper is safe to call twice for the same start or exit.</summary>
public static class RunBook
{
    /// <summary>
    /// The container's run that has not ended, tracked; null when there is none. Changes not saved yet count: a run
    /// ended or added earlier in the same unit of work is seen as it is now, not as the database still has it. For
    /// many containers at once, <see cref="OpenRuns"/> reads them in one query.
    /// </summary>
    public static async Task<Run?> OpenRunAsync(BerthDbContext db, Guid containerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var stored = await db.Runs.Where(r => r.ContainerId == containerId && r.EndedAt == null).ToListAsync(cancellationToken).ConfigureAwait(false);
        // Runs are added explicitly, so their state needs no detection: without it, listing them costs nothing however
        // many other rows the unit of work tracks (detection would compare every one of them).
        var detect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            var added = db.ChangeTracker.Entries<Run>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
            return stored.Concat(added).Where(r => r.ContainerId == containerId && r.EndedAt == null).OrderByDescending(r => r.StartedAt).FirstOrDefault();
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = detect;
        }
    }

    /// <summary>
    /// Ends the open run, if any, with <paramref name="exitCode"/>: codes 129–192 are read as death by signal
    /// (code − 128), as Docker reports them, since the shim records them that way.
    /// </summary>
    public static async Task<Run?> CloseAsync(BerthDbContext db, Guid containerId, DateTimeOffset endedAt, int? exitCode, bool oom, string reason, CancellationToken cancellationToken)
    {
        var run = await OpenRunAsync(db, containerId, cancellationToken).ConfigureAwait(false);
        if (run is not null) End(run, endedAt, exitCode, oom, reason);
        return run;
    }

    /// <summary>Ends <paramref name="run"/> (see <see cref="CloseAsync"/> for how exit codes are read).</summary>
    public static void End(Run run, DateTimeOffset endedAt, int? exitCode, bool oom, string reason)
    {
        ArgumentNullException.ThrowIfNull(run);
        run.EndedAt = endedAt < run.StartedAt ? run.StartedAt : endedAt;
        run.ExitCode = exitCode;
        run.Signal = exitCode is > 128 and <= 192 ? exitCode - 128 : null;
        run.OomKilled |= oom;
        run.Reason = oom ? "oom" : reason;
    }

    /// <summary>An event row for a container.</summary>
    public static ContainerEvent Event(Container c, string action, string? detail = null, Guid? actor = null, DateTimeOffset? time = null)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new ContainerEvent { ContainerId = c.Id, TeamId = c.TeamId, Action = action, Detail = detail, ActorId = actor, Time = time ?? DateTimeOffset.UtcNow };
    }
}
