using System.Linq.Expressions;
using Berth.ControlPlane.Security;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.ControlPlane.Usage;

/// <summary>Usage from the hourly roll-ups, summed by team, user or container, over what the caller may audit plus their own containers.</summary>
public sealed class UsageService(IDbContextFactory<BerthDbContext> dbFactory)
{
    private const double GiB = 1024.0 * 1024 * 1024;

    /// <summary>
    /// The usage of the hours that start in [<paramref name="from"/> rounded down to the hour, <paramref name="to"/>),
    /// most CPU first: of every team for admins and auditors, otherwise of the teams the caller owns or audits and
    /// of the containers the caller launched.
    /// </summary>
    /// <exception cref="ControlPlaneException">The period is empty or reversed.</exception>
    public async Task<IReadOnlyList<UsageRow>> QueryAsync(Caller caller, UsageGrouping by, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (from >= to) throw ControlPlaneException.Invalid($"from ({from:O}) must be before to ({to:O})");
        var start = new DateTimeOffset(from.UtcDateTime.Date.AddHours(from.UtcDateTime.Hour), TimeSpan.Zero);
        var end = to.ToUniversalTime();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var rollups = db.UsageRollups.AsNoTracking().Where(r => r.Hour >= start && r.Hour < end);
        if (caller.AuditableTeams is { } teams)
        {
            var self = caller.UserId;
            rollups = rollups.Where(r => teams.Contains(r.TeamId) || r.UserId == self);
        }
        var sums = by switch
        {
            UsageGrouping.Team => await SumAsync(rollups, r => r.TeamId, cancellationToken).ConfigureAwait(false),
            UsageGrouping.User => await SumAsync(rollups, r => r.UserId, cancellationToken).ConfigureAwait(false),
            _ => await SumAsync(rollups, r => r.ContainerId, cancellationToken).ConfigureAwait(false),
        };
        var ids = sums.Select(s => s.Key).ToList();
        var names = new Dictionary<Guid, (string Name, Guid? TeamId, string? Team)>();
        switch (by)
        {
            case UsageGrouping.Team:
                foreach (var t in await db.Teams.AsNoTracking().Where(t => ids.Contains(t.Id)).Select(t => new { t.Id, t.Name }).ToListAsync(cancellationToken).ConfigureAwait(false))
                    names[t.Id] = (t.Name, t.Id, t.Name);
                break;
            case UsageGrouping.User:
                foreach (var u in await db.Users.AsNoTracking().Where(u => ids.Contains(u.Id)).Select(u => new { u.Id, u.Username }).ToListAsync(cancellationToken).ConfigureAwait(false))
                    names[u.Id] = (u.Username, null, null);
                break;
            default:
                foreach (var c in await db.Containers.AsNoTracking().Where(c => ids.Contains(c.Id)).Select(c => new { c.Id, c.Name, c.TeamId, Team = c.Team!.Name }).ToListAsync(cancellationToken).ConfigureAwait(false))
                    names[c.Id] = (c.Name, c.TeamId, c.Team);
                break;
        }
        return sums
            .Select(s =>
            {
                var (name, teamId, team) = names.GetValueOrDefault(s.Key, (s.Key.ToString(), null, null));
                return new UsageRow(s.Key, name, teamId, team, s.CpuSeconds / 3600, s.MemoryByteSeconds / GiB / 3600, s.ContainerSeconds / 3600, s.IoReadBytes, s.IoWriteBytes);
            })
            .OrderByDescending(r => r.CpuHours).ThenBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
    }

    private static Task<List<Sum>> SumAsync(IQueryable<UsageRollup> rollups, Expression<Func<UsageRollup, Guid>> key, CancellationToken cancellationToken)
        => rollups.GroupBy(key).Select(g => new Sum(g.Key, g.Sum(r => r.CpuSeconds), g.Sum(r => r.MemoryByteSeconds), g.Sum(r => r.ContainerSeconds),
            g.Sum(r => r.IoReadBytes), g.Sum(r => r.IoWriteBytes))).ToListAsync(cancellationToken);

    private sealed record Sum(Guid Key, double CpuSeconds, double MemoryByteSeconds, double ContainerSeconds, long IoReadBytes, long IoWriteBytes);
}
