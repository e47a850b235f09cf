using System.Globalization;
using System.Runtime.CompilerServices;
using Berth.ControlPlane.Audit;
using Berth.Data;
using Microsoft.EntityFrameworkCore;

namespace Berth.ControlPlane.Security;

/// <summary>What a read across teams (audit trail, history) may cover, and the checks its paging and time range share.</summary>
public static class ReadScope
{
    /// <summary>
    /// The teams the caller reads with right <paramref name="may"/> (null: every team, for global readers),
    /// narrowed to <paramref name="team"/> (a name or an id) when given. A team the caller does not see is not
    /// found; one they see without the right, or no team at all, is refused (forbidden, audited as
    /// <paramref name="action"/>); <paramref name="what"/> names what is read in the refusal.
    /// </summary>
    public static async Task<IReadOnlyCollection<Guid>?> TeamsAsync(BerthDbContext db, AuditLog audit, Caller caller, Func<Guid, bool> may, string action,
        string what, string? team, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(may);
        if (team is not null)
        {
            var found = Guid.TryParse(team, out var id)
                ? await db.Teams.AsNoTracking().Where(t => t.Id == id).Select(t => new { t.Id, t.Name }).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false)
                : await db.Teams.AsNoTracking().Where(t => t.Name == team).Select(t => new { t.Id, t.Name }).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (found is null || !caller.CanView(found.Id)) throw ControlPlaneException.NotFound($"team {team}");
            if (!caller.ReadsEverything && !may(found.Id))
                await RefuseAsync(audit, caller, action, found.Id, $"{caller.Name} may not read the {what} of team {found.Name}", cancellationToken).ConfigureAwait(false);
            return [found.Id];
        }
        if (caller.ReadsEverything) return null;
        var teams = caller.Teams.Keys.Where(may).ToList();
        if (teams.Count == 0) await RefuseAsync(audit, caller, action, null, $"{caller.Name} may read the {what} of no team", cancellationToken).ConfigureAwait(false);
        return teams;
    }

    private static async Task RefuseAsync(AuditLog audit, Caller caller, string action, Guid? teamId, string message, CancellationToken cancellationToken)
    {
        await audit.WriteAsync(new AuditRecord(caller, action, "team", teamId?.ToString(), teamId, AuditRecord.Denied), cancellationToken).ConfigureAwait(false);
        throw new ControlPlaneException(ProblemKind.Forbidden, message);
    }

    /// <summary>
    /// An export of what <paramref name="query"/> makes (at most <paramref name="limit"/> rows, when given): the
    /// query is made once now, so that a bad filter or a refusal is thrown before anything is sent, then again over a
    /// context of the export's own whose rows are read as they are consumed.
    /// </summary>
    /// <exception cref="ControlPlaneException">Whatever <paramref name="query"/> refuses, or a limit below 1 (invalid).</exception>
    public static async Task<IAsyncEnumerable<T>> ExportAsync<T>(IDbContextFactory<BerthDbContext> dbFactory, Func<BerthDbContext, Task<IQueryable<T>>> query, int? limit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dbFactory);
        ArgumentNullException.ThrowIfNull(query);
        Limit(limit, int.MaxValue, int.MaxValue);
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            await query(db).ConfigureAwait(false);
        }
        return Rows(dbFactory, query, limit, cancellationToken);
    }

    private static async IAsyncEnumerable<T> Rows<T>(IDbContextFactory<BerthDbContext> dbFactory, Func<BerthDbContext, Task<IQueryable<T>>> query, int? limit,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var rows = await query(db).ConfigureAwait(false);
        if (limit is { } l) rows = rows.Take(l);
        await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(cancellationToken).ConfigureAwait(false)) yield return row;
    }

    /// <summary><paramref name="limit"/>, or <paramref name="fallback"/> when not given.</summary>
    /// <exception cref="ControlPlaneException">Below 1 or above <paramref name="max"/> (invalid).</exception>
    public static int Limit(int? limit, int fallback, int max)
    {
        if (limit is { } l && (l < 1 || l > max)) throw ControlPlaneException.Invalid(string.Create(CultureInfo.InvariantCulture, $"limit {l} is out of range: give 1 to {max}"));
        return limit ?? fallback;
    }

    /// <exception cref="ControlPlaneException"><paramref name="from"/> after <paramref name="to"/> (invalid).</exception>
    public static void Range(DateTimeOffset? from, DateTimeOffset? to)
    {
        if (from > to) throw ControlPlaneException.Invalid("from is after to");
    }
}
