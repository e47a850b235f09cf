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
        await LockAsync(db, teamId, cancellationToken).ConfigureAwait(false);
        var quota = await db.Quotas.AsNoTracking().FirstOrDefaultAsync(q => q.TeamId == teamId, cancellationToken).ConfigureAwait(false);
        if (quota is null) return;
        var use = await UseAsync(db, teamId, self, cancellationToken).ConfigureAwait(false);
        if (isNew && quota.MaxContainers is { } maxCount && use.Containers + 1 > maxCount)
            throw Refuse($"team {teamName} may have {maxCount} containers and has {use.Containers}: remove one first");
        if (quota.MaxCpus is { } maxCpus)
        {
            var used = use.Cpus;
            var want = spec.Cpus ?? 0;
            if (used + want > maxCpus + 1e-9)
                throw Refuse(string.Create(CultureInfo.InvariantCulture, $"team {teamName}'s CPU quota is {maxCpus:0.##} CPUs: its running containers use {used:0.##} and this one asks {want:0.##}, {used + want - maxCpus:0.##} over"));
        }
        if (quota.MaxMemoryBytes is { } maxMem)
        {
            var used = use.MemoryBytes;
            var want = spec.MemoryBytes ?? 0;
            if (used + want > maxMem)
                throw Refuse($"team {teamName}'s memory quota is {Bytes(maxMem)}: its running containers use {Bytes(used)} and this one asks {Bytes(want)}, {Bytes(used + want - maxMem)} over");
        }
        if (quota.MaxPids is { } maxPids)
        {
            var used = use.Pids;
            var want = spec.PidsLimit ?? 0;
            if (used + want > maxPids)
                throw Refuse(string.Create(CultureInfo.InvariantCulture, $"team {teamName}'s pids quota is {maxPids}: its running containers may use {used} and this one asks {want}, {used + want - maxPids} over"));
        }
    }

    /// <summary>Takes team <paramref name="teamId"/>'s quota lock until the end of the transaction open on <paramref name="db"/>.</summary>
    public static Task LockAsync(BerthDbContext db, Guid teamId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(hashtextextended({0}, 7))", ["quota:" + teamId], cancellationToken);
    }

    /// <summary>
    /// What team <paramref name="teamId"/> uses, leaving out container <paramref name="except"/>: a container counts
    /// against the running quotas while it is active or wanted running (and has not failed).
    /// </summary>
    public static async Task<QuotaUse> UseAsync(BerthDbContext db, Guid teamId, Guid? except, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var others = await db.Containers.AsNoTracking().Where(c => c.TeamId == teamId && c.RemovedAt == null && c.Id != except)
            .Select(c => new { c.State, c.Desired, c.Spec }).ToListAsync(cancellationToken).ConfigureAwait(false);
        var running = others.Where(o => ContainerState.IsActive(o.State) || o.Desired == DesiredState.Running && o.State != ContainerState.Failed).ToList();
        return new QuotaUse(others.Count, running.Sum(o => o.Spec.Cpus ?? 0), running.Sum(o => o.Spec.MemoryBytes ?? 0), running.Sum(o => o.Spec.PidsLimit ?? 0));
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
