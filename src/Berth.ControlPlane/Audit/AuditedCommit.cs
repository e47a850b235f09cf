using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.ControlPlane.Audit;

/// <summary>The end of every audited change: its entry appended in its transaction, saved, committed, then anchored.</summary>
public static class AuditedCommit
{
    /// <summary>
    /// Appends <paramref name="record"/> inside the transaction open on <paramref name="db"/>, runs
    /// <paramref name="beforeSave"/> (bulk statements go after the append, which takes the chain's lock, so that
    /// every writer takes its locks in the same order), saves, commits and anchors. A unique index refusing the
    /// change becomes a conflict saying <paramref name="conflict"/>.
    /// </summary>
    /// <exception cref="ControlPlaneException">A unique index refused the change (conflict).</exception>
    public static async Task<AuditEntry> CommitAsync(this AuditLog audit, BerthDbContext db, AuditRecord record, CancellationToken cancellationToken,
        string conflict = "it was changed by someone else at the same time; try again", Func<Task>? beforeSave = null)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(db);
        var tx = db.Database.CurrentTransaction ?? throw new InvalidOperationException("audited changes are made inside a transaction");
        var entry = await audit.AppendAsync(db, record, cancellationToken).ConfigureAwait(false);
        if (beforeSave is not null) await beforeSave().ConfigureAwait(false);
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
        {
            throw ControlPlaneException.Conflict(conflict);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        audit.Anchor(entry);
        return entry;
    }
}
