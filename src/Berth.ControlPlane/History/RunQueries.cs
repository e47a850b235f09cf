using System.Globalization;
using Berth.ControlPlane.Audit;
using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Security;
using Berth.Data;
using Microsoft.EntityFrameworkCore;

namespace Berth.ControlPlane.History;

/// <summary>
/// The runs of every container, across containers: global admins and auditors read all; others the runs of the
/// teams whose audit trail they read (owners, auditors) or whose containers they operate (members).
/// </summary>
public sealed class RunQueries(IDbContextFactory<BerthDbContext> dbFactory, AuditLog audit)
{
    public const int DefaultLimit = 500;
    public const int MaxLimit = 5000;

    /// <summary>The runs the caller may read that match <paramref name="filter"/>, newest first.</summary>
    /// <exception cref="ControlPlaneException">A bad filter (invalid), an unknown team (not found), or no team whose runs the caller reads (forbidden, audited).</exception>
    public async Task<IReadOnlyList<RunView>> ListAsync(Caller caller, RunFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var limit = ReadScope.Limit(filter.Limit, DefaultLimit, MaxLimit);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var query = await QueryAsync(db, caller, filter, cancellationToken).ConfigureAwait(false);
        return await query.Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every run the caller may read that matches <paramref name="filter"/> (at most its limit, when given), newest
    /// first, read as they are consumed. The filter and the caller's rights are checked before this returns.
    /// </summary>
    /// <exception cref="ControlPlaneException">As <see cref="ListAsync"/>.</exception>
    public Task<IAsyncEnumerable<RunView>> ExportAsync(Caller caller, RunFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return ReadScope.ExportAsync(dbFactory, db => QueryAsync(db, caller, filter, cancellationToken), filter.Limit, cancellationToken);
    }

    private async Task<IQueryable<RunView>> QueryAsync(BerthDbContext db, Caller caller, RunFilter f, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ReadScope.Range(f.From, f.To);
        int? exitCode = f.Exit is not (null or "ok" or "failed" or "oom")
            ? int.TryParse(f.Exit, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code <= 255 ? code
                : throw ControlPlaneException.Invalid($"exit \"{f.Exit}\" is not valid: use ok, failed, oom or an exit code from 0 to 255")
            : null;
        var teams = await ReadScope.TeamsAsync(db, audit, caller, t => caller.CanAudit(t) || caller.CanOperate(t), "run.read", "runs", f.Team, cancellationToken).ConfigureAwait(false);
        var runs = db.Runs.AsNoTracking();
        if (teams is not null) runs = runs.Where(r => teams.Contains(r.TeamId));
        if (f.User is { } user)
        {
            var userId = Guid.TryParse(user, out var id) ? id
                : await db.Users.Where(u => u.Username == user).Select(u => u.Id).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            // An unknown name matches no run (Guid.Empty is nobody's id), never the runs started by no one.
            runs = runs.Where(r => r.StartedById == userId);
        }
        if (f.Image is { } image) runs = runs.Where(r => r.Image == image);
        runs = f.Exit switch
        {
            "ok" => runs.Where(r => r.ExitCode == 0 && !r.OomKilled),
            "failed" => runs.Where(r => r.ExitCode != null && r.ExitCode != 0 || r.OomKilled),
            "oom" => runs.Where(r => r.OomKilled),
            _ when exitCode is { } c => runs.Where(r => r.ExitCode == c),
            _ => runs,
        };
        // PostgreSQL's timestamptz takes UTC offsets only.
        if (f.From?.ToUniversalTime() is { } from) runs = runs.Where(r => r.StartedAt >= from);
        if (f.To?.ToUniversalTime() is { } to) runs = runs.Where(r => r.StartedAt < to);
        return from r in runs
               join c in db.Containers on r.ContainerId equals c.Id
               from u in db.Users.Where(u => u.Id == r.StartedById).DefaultIfEmpty()
               orderby r.StartedAt descending, r.Id descending
               select new RunView(r.Id, r.ContainerId, c.Name, r.TeamId, r.Image, u == null ? null : u.Username, r.StartedAt, r.EndedAt, r.ExitCode, r.Signal,
                   r.OomKilled, r.Reason);
    }
}
