using System.Globalization;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.ControlPlane.Containers;

/// <summary>
/// Admission against a team's quota, inside the transaction that makes the change: the team's quota lock is held
/// until commit, so two launches at once cannot both take the last share.
/// </summary>
public static class QuotaGuard
{
    /// <summary>
    /// Throws a <see cref="ProblemKind.QuotaExceeded"/> refusal, naming the quota and the excess, when
    /// <paramref name="spec"/> would take team <paramref name="teamId"/> over its quota. <paramref name="isNew"/>: a
    /// new container (counts against the number of containers); <paramref name="self"/>: the container being started
    /// (left out of the sums of the others).
    /// </summary>
    public static async Task CheckAsync(BerthDbContext db, Guid teamId, string teamName, ContainerSpec spec, bool isNew, Guid? self, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(spec);
        var (quota, use) = await LockAndReadAsync(db, teamId, self, cancellationToken).ConfigureAwait(false);
        if (quota is null) return;
        if (isNew && quota.MaxContainers is { } maxCount && use.Containers + 1 > maxCount)
            throw Refuse($"team {teamName} may have {maxCount} containers and has {use.Containers}: remove one first");
        if (quota.MaxCpus is { } maxCpus)
        {
            var want = spec.Cpus ?? 0;
            if (use.Cpus + want > maxCpus + 1e-9)
                throw Refuse(string.Create(CultureInfo.InvariantCulture, $"team {teamName}'s CPU quota is {maxCpus:0.##} CPUs: its running containers use {use.Cpus:0.##} and this one asks {want:0.##}, {use.Cpus + want - maxCpus:0.##} over"));
        }
        if (quota.MaxMemoryBytes is { } maxMem)
        {
            var want = spec.MemoryBytes ?? 0;
            if (use.MemoryBytes + want > maxMem)
                throw Refuse($"team {teamName}'s memory quota is {Bytes(maxMem)}: its running containers use {Bytes(use.MemoryBytes)} and this one asks {Bytes(want)}, {Bytes(use.MemoryBytes + want - maxMem)} over");
        }
        if (quota.MaxPids is { } maxPids)
        {
            var want = spec.PidsLimit ?? 0;
            if (use.Pids + want > maxPids)
                throw Refuse(string.Create(CultureInfo.InvariantCulture, $"team {teamName}'s pids quota is {maxPids}: its running containers may use {use.Pids} and this one asks {want}, {use.Pids + want - maxPids} over"));
        }
    }

    /// <summary>Takes team <paramref name="teamId"/>'s quota lock until the end of the transaction open on <paramref name="db"/>.</summary>
    public static Task LockAsync(BerthDbContext db, Guid teamId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return LockedReads.TakeAsync(db, LockName(teamId), cancellationToken);
    }

    private static string LockName(Guid teamId) => "quota:" + teamId;

    /// <summary>
    /// Takes the quota lock and reads the quota and <see cref="UseAsync">the use</see>, all in one round trip (see
    /// <see cref="LockedReads"/>); the use is read even when there is no quota, which costs less than a second trip.
    /// </summary>
    private static Task<(Quota? Quota, QuotaUse Use)> LockAndReadAsync(BerthDbContext db, Guid teamId, Guid? self, CancellationToken cancellationToken)
        => LockedReads.RunAsync(db, LockName(teamId),
            [
                ("""SELECT "MaxContainers", "MaxCpus", "MaxMemoryBytes", "MaxPids" FROM quotas WHERE "TeamId" = $1""", [teamId]),
                (Positional(UseSql), [teamId, self ?? Guid.Empty]),
            ],
            async (reader, ct) =>
            {
                Quota? quota = null;
                if (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    quota = new Quota
                    {
                        TeamId = teamId,
                        MaxContainers = reader.IsDBNull(0) ? null : reader.GetInt32(0),
                        MaxCpus = reader.IsDBNull(1) ? null : reader.GetDouble(1),
                        MaxMemoryBytes = reader.IsDBNull(2) ? null : reader.GetInt64(2),
                        MaxPids = reader.IsDBNull(3) ? null : reader.GetInt64(3),
                    };
                }
                await reader.NextResultAsync(ct).ConfigureAwait(false);
                await reader.ReadAsync(ct).ConfigureAwait(false);
                return (quota, new QuotaUse(reader.GetInt64(0), reader.GetDouble(1), reader.GetInt64(2), reader.GetInt64(3)));
            }, cancellationToken);

    /// <summary>EF's <c>{0}</c> placeholders as PostgreSQL's <c>$1</c>, for statements sent through Npgsql directly.</summary>
    private static string Positional(string sql) => sql.Replace("{0}", "$1", StringComparison.Ordinal).Replace("{1}", "$2", StringComparison.Ordinal);

    // The sums read only the rows that run or are about to, through the partial index on (TeamId, State) of the
    // containers not removed: a team that keeps thousands of ended containers costs no more per launch than one that
    // keeps none (their count is taken from the same index).
    private const string UseSql = """
        SELECT (SELECT count(*) FROM containers WHERE "TeamId" = {0} AND "RemovedAt" IS NULL AND "Id" <> {1}) AS "Containers",
               coalesce(sum(("Spec"->>'cpus')::float8), 0) AS "Cpus",
               coalesce(sum(("Spec"->>'memoryBytes')::int8), 0)::int8 AS "MemoryBytes",
               coalesce(sum(("Spec"->>'pidsLimit')::int8), 0)::int8 AS "Pids"
        FROM containers
        WHERE "TeamId" = {0} AND "RemovedAt" IS NULL AND "Id" <> {1} AND "State" IN ('pending', 'created', 'running', 'restarting')
        """;

    /// <summary>
    /// What team <paramref name="teamId"/> uses now, <paramref name="self"/> left out: its containers (not removed),
    /// and the limits of those that run or are about to (pending, created, running, restarting), summed in the database.
    /// </summary>
    public static Task<QuotaUse> UseAsync(BerthDbContext db, Guid teamId, Guid? self, CancellationToken cancellationToken)
        => Use(db, teamId, self).SingleAsync(cancellationToken);

    /// <summary>The query of <see cref="UseAsync"/>.</summary>
    public static IQueryable<QuotaUse> Use(BerthDbContext db, Guid teamId, Guid? self)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Database.SqlQueryRaw<QuotaUse>(UseSql, teamId, self ?? Guid.Empty);
    }

    private static ControlPlaneException Refuse(string message) => new(ProblemKind.QuotaExceeded, "quota exceeded: " + message);

    /// <summary>A byte count for people: 512 MiB, 1.5 GiB.</summary>
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = bytes;
        var u = 0;
        while (Math.Abs(v) >= 1024 && u < units.Length - 1)
        {
            v /= 1024;
            u++;
        }
        return string.Create(CultureInfo.InvariantCulture, $"{v:0.##} {units[u]}");
    }
}
