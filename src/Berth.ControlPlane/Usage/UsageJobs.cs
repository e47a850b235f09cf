using Berth.Data;
using Berth.Data.Entities;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Berth.ControlPlane.Usage;

/// <summary>
/// Hangfire's recurring usage work: <see cref="RollupAsync"/> sums usage samples into hourly roll-ups per container
/// every minute, and <see cref="RetentionAsync"/> deletes raw samples and removed containers' events past their
/// retention. Both are idempotent; every node may run them.
/// </summary>
public sealed class UsageJobs(IDbContextFactory<BerthDbContext> dbFactory, IOptions<ControlPlaneOptions> options, TimeProvider time, ILogger<UsageJobs> logger)
{
    public const string RollupJobId = "usage-rollup";
    public const string RetentionJobId = "usage-retention";

    /// <summary>Adds (or updates) the recurring jobs: the roll-up every minute, the retention every hour.</summary>
    public static void Register(IRecurringJobManager jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        jobs.AddOrUpdate<UsageJobs>(RollupJobId, j => j.RollupAsync(CancellationToken.None), Cron.Minutely());
        jobs.AddOrUpdate<UsageJobs>(RetentionJobId, j => j.RetentionAsync(CancellationToken.None), Cron.Hourly());
    }

    /// <summary>
    /// Recomputes the roll-ups of the current and the previous hour from the samples (and of every hour since the
    /// newest roll-up, to catch up after the host was down), replacing what was there: running it twice changes
    /// nothing. A sample counts in the hour its interval ends in. Returns the roll-ups written.
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(60)]
    public async Task<int> RollupAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var previousHour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-1);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var newest = await db.UsageRollups.MaxAsync(r => (DateTimeOffset?)r.Hour, cancellationToken).ConfigureAwait(false);
        var since = newest is { } n && n < previousHour ? n : previousHour;
        if (newest is null)
        {
            var oldest = await db.UsageSamples.MinAsync(s => (DateTimeOffset?)s.Time, cancellationToken).ConfigureAwait(false);
            if (oldest is { } o && o < since) since = new DateTimeOffset(o.UtcDateTime.Date.AddHours(o.UtcDateTime.Hour), TimeSpan.Zero);
        }
        // TeamId and UserId never change for a container, so grouping by them adds no rows.
        var written = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO usage_rollups ("ContainerId", "Hour", "TeamId", "UserId", "CpuSeconds", "MemoryByteSeconds", "ContainerSeconds", "IoReadBytes", "IoWriteBytes", "MaxMemoryBytes")
            SELECT "ContainerId", date_trunc('hour', "Time", 'UTC'), "TeamId", "UserId",
                   sum("CpuSeconds"), sum("MemoryBytes"::double precision * "IntervalSeconds"), sum("IntervalSeconds"),
                   sum("IoReadBytes")::bigint, sum("IoWriteBytes")::bigint, max("MemoryBytes")
            FROM usage_samples
            WHERE "Time" >= {since}
            GROUP BY "ContainerId", date_trunc('hour', "Time", 'UTC'), "TeamId", "UserId"
            ON CONFLICT ("ContainerId", "Hour") DO UPDATE SET
                "TeamId" = EXCLUDED."TeamId", "UserId" = EXCLUDED."UserId", "CpuSeconds" = EXCLUDED."CpuSeconds",
                "MemoryByteSeconds" = EXCLUDED."MemoryByteSeconds", "ContainerSeconds" = EXCLUDED."ContainerSeconds",
                "IoReadBytes" = EXCLUDED."IoReadBytes", "IoWriteBytes" = EXCLUDED."IoWriteBytes", "MaxMemoryBytes" = EXCLUDED."MaxMemoryBytes"
            """, cancellationToken).ConfigureAwait(false);
        logger.LogDebug("usage roll-up since {Since}: {Rows} rows", since, written);
        return written;
    }

    /// <summary>Deletes usage samples older than <see cref="ControlPlaneOptions.SampleRetentionDays"/> and events of removed containers older than <see cref="ControlPlaneOptions.EventRetentionDays"/>.</summary>
    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(600)]
    public async Task<(int Samples, int Events)> RetentionAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var o = options.Value;
        var sampleCutoff = now.AddDays(-o.SampleRetentionDays);
        var eventCutoff = now.AddDays(-o.EventRetentionDays);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var samples = await db.UsageSamples.Where(s => s.Time < sampleCutoff).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        var events = await db.Events
            .Where(e => e.Time < eventCutoff && db.Containers.Any(c => c.Id == e.ContainerId && c.RemovedAt != null))
            .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        if (samples + events > 0) logger.LogInformation("retention: {Samples} usage samples and {Events} events of removed containers deleted", samples, events);
        return (samples, events);
    }
}
