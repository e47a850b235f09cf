using Berth.ControlPlane.Security;
using Berth.Data;
using Microsoft.EntityFrameworkCore;

namespace Berth.ControlPlane.Audit;

/// <summary>
/// Reading the audit trail: global admins and auditors read every entry; a team's owners and auditors read the
/// entries of their teams. Only global admins and auditors verify the chain, which covers every entry.
/// </summary>
public sealed class AuditQueries(IDbContextFactory<BerthDbContext> dbFactory, AuditLog audit)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>A page of the entries the caller may read that match <paramref name="filter"/>, newest first.</summary>
    /// <exception cref="ControlPlaneException">A bad filter (invalid), an unknown team (not found), or nothing the caller may read (forbidden, audited).</exception>
    public async Task<AuditPage> ListAsync(Caller caller, AuditFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var limit = ReadScope.Limit(filter.Limit, DefaultLimit, MaxLimit);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var query = await QueryAsync(db, caller, filter, cancellationToken).ConfigureAwait(false);
        var rows = await query.Take(limit + 1).ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.Count > limit ? new AuditPage(rows[..limit], rows[limit - 1].Id) : new AuditPage(rows, null);
    }

    /// <summary>
    /// Every entry the caller may read that matches <paramref name="filter"/> (at most its limit, when given),
    /// newest first, read as they are consumed. The filter and the caller's rights are checked before this returns.
    /// </summary>
    /// <exception cref="ControlPlaneException">As <see cref="ListAsync"/>.</exception>
    public Task<IAsyncEnumerable<AuditEntryView>> ExportAsync(Caller caller, AuditFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return ReadScope.ExportAsync(dbFactory, db => QueryAsync(db, caller, filter, cancellationToken), filter.Limit, cancellationToken);
    }

    /// <summary>Checks the whole chain (<see cref="AuditLog.VerifyAsync"/>): global admins and auditors only.</summary>
    /// <exception cref="ControlPlaneException">Neither admin nor auditor (forbidden, audited).</exception>
    public async Task<AuditVerification> VerifyAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.ReadsEverything)
        {
            await audit.WriteAsync(new AuditRecord(caller, "audit.verify", "audit", null, null, AuditRecord.Denied), cancellationToken).ConfigureAwait(false);
            throw new ControlPlaneException(ProblemKind.Forbidden, $"{caller.Name} may not verify the audit trail: admins and auditors only");
        }
        return await audit.VerifyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The entries the caller may read that match the filter, newest first, with their team's name.</summary>
    private async Task<IQueryable<AuditEntryView>> QueryAsync(BerthDbContext db, Caller caller, AuditFilter f, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ReadScope.Range(f.From, f.To);
        if (f.Outcome is not (null or AuditRecord.Allowed or AuditRecord.Denied or AuditRecord.Failed))
            throw ControlPlaneException.Invalid($"outcome \"{f.Outcome}\" is not valid: use allowed, denied or failed");
        var teams = await ReadScope.TeamsAsync(db, audit, caller, caller.CanAudit, "audit.read", "audit trail", f.Team, cancellationToken).ConfigureAwait(false);
        var query = db.Audit.AsNoTracking();
        if (teams is not null) query = query.Where(a => a.TeamId != null && teams.Contains(a.TeamId.Value));
        if (f.Actor is { } actor)
            query = Guid.TryParse(actor, out var actorId) ? query.Where(a => a.ActorId == actorId) : query.Where(a => a.Actor == actor);
        if (f.Action is { } action)
            query = action.EndsWith('*') ? query.Where(a => a.Action.StartsWith(action.TrimEnd('*'))) : query.Where(a => a.Action == action);
        if (f.Outcome is { } outcome) query = query.Where(a => a.Outcome == outcome);
        // PostgreSQL's timestamptz takes UTC offsets only.
        if (f.From?.ToUniversalTime() is { } from) query = query.Where(a => a.Time >= from);
        if (f.To?.ToUniversalTime() is { } to) query = query.Where(a => a.Time < to);
        if (f.Before is { } before) query = query.Where(a => a.Id < before);
        return from e in query
               from t in db.Teams.Where(t => t.Id == e.TeamId).DefaultIfEmpty()
               orderby e.Id descending
               select new AuditEntryView(e.Id, e.Time, e.ActorId, e.Actor, e.Action, e.TargetType, e.TargetId, e.TeamId, t == null ? null : t.Name,
                   e.RemoteAddress, e.Outcome, e.Detail, e.PreviousHash, e.Hash);
    }
}
