using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Berth.ControlPlane.Audit;

/// <summary>
/// The audit trail: entries appended inside the transaction of the change they record, chained by an HMAC whose key
/// lives beside the data (not in the database), and anchored in a file (<c>audit-anchor</c>) that records the
/// newest committed entry, so that an edited, deleted, reordered or truncated trail is detected by <see cref="VerifyAsync"/>.
/// </summary>
public sealed class AuditLog
{
    /// <summary>The advisory lock that serialises appends: ids are gapless and each entry chains to the one before.</summary>
    private const long ChainLock = 0x4245525448_4155; // "BERTH" "AU"

    private const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    private readonly IDbContextFactory<BerthDbContext> _dbFactory;
    private readonly TimeProvider _time;
    private readonly string _anchorPath;
    private readonly byte[] _key;
    private readonly Lock _anchorGate = new();

    public AuditLog(IDbContextFactory<BerthDbContext> dbFactory, IOptions<ControlPlaneOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dbFactory = dbFactory;
        _time = time;
        var dir = options.Value.DataDirectory;
        Directory.CreateDirectory(dir);
        _anchorPath = Path.Combine(dir, "audit-anchor");
        _key = LoadOrCreateKey(Path.Combine(dir, "audit.key"));
    }

    /// <summary>
    /// Adds an entry for <paramref name="record"/> to <paramref name="db"/>, inside its open transaction (which this
    /// locks until commit). The caller saves and commits, then calls <see cref="Anchor"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No transaction is open on <paramref name="db"/>.</exception>
    public async Task<AuditEntry> AppendAsync(BerthDbContext db, AuditRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(record);
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("audit entries are written inside the change's transaction");
        // The chain's lock, then its head, in one round trip: the head read after the lock is the newest committed.
        var last = await LockedReads.RunAsync(db, ("$1", [ChainLock]), [("""SELECT "Id", "Hash" FROM audit ORDER BY "Id" DESC LIMIT 1""", [])],
            async (reader, ct) => await reader.ReadAsync(ct).ConfigureAwait(false) ? new { Id = reader.GetInt64(0), Hash = reader.GetString(1) } : null,
            cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var entry = new AuditEntry
        {
            Id = (last?.Id ?? 0) + 1,
            // PostgreSQL keeps microseconds: hash what reads back.
            Time = new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero),
            ActorId = record.Caller.UserId,
            Actor = record.Caller.Name,
            Action = record.Action,
            TargetType = record.TargetType,
            TargetId = record.TargetId,
            TeamId = record.TeamId,
            RemoteAddress = record.Caller.RemoteAddress,
            Outcome = record.Outcome,
            Detail = record.Detail,
            PreviousHash = last?.Hash ?? Genesis,
            Hash = "",
        };
        entry.Hash = Compute(entry);
        db.Audit.Add(entry);
        return entry;
    }

    /// <summary>Writes <paramref name="record"/> in a transaction of its own (refusals and failures, which change nothing else).</summary>
    public async Task WriteAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var entry = await AppendAsync(db, record, cancellationToken).ConfigureAwait(false);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        Anchor(entry);
    }

    /// <summary>Moves the anchor forward to <paramref name="entry"/> once its transaction has committed (never backwards).</summary>
    public void Anchor(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_anchorGate)
        {
            if (ReadAnchor() is { } current && current.Id >= entry.Id) return;
            var temp = _anchorPath + ".tmp";
            File.WriteAllText(temp, string.Create(CultureInfo.InvariantCulture, $"{entry.Id} {entry.Hash}\n"));
            File.Move(temp, _anchorPath, overwrite: true);
        }
    }

    /// <summary>Re-anchors at the newest entry of the database (the recurring anchoring job), when the chain up to it holds.</summary>
    public async Task<AuditVerification> AnchorHeadAsync(CancellationToken cancellationToken)
    {
        var result = await VerifyAsync(cancellationToken).ConfigureAwait(false);
        if (!result.Valid) return result;
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var head = await db.Audit.AsNoTracking().OrderByDescending(a => a.Id).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (head is not null) Anchor(head);
        return result;
    }

    /// <summary>
    /// Checks every entry in order: ids without gaps from 1, each chained to the previous hash, each hash matching its
    /// fields, and the anchor file's entry present with the same hash.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var anchor = ReadAnchor();
        long expected = 1, count = 0;
        var previous = Genesis;
        string? anchorHash = null;
        const int Batch = 2000;
        while (true)
        {
            var from = expected;
            var page = await db.Audit.AsNoTracking().Where(a => a.Id >= from).OrderBy(a => a.Id).Take(Batch)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var e in page)
            {
                if (e.Id != expected)
                    return new AuditVerification(false, count, expected, $"entry {expected} is missing (the next one is {e.Id})", anchor?.Id);
                if (e.PreviousHash != previous)
                    return new AuditVerification(false, count, e.Id, $"entry {e.Id} does not follow entry {e.Id - 1} (deleted, inserted or reordered)", anchor?.Id);
                if (Compute(e) != e.Hash)
                    return new AuditVerification(false, count, e.Id, $"entry {e.Id} was changed after it was written", anchor?.Id);
                if (anchor is { } a && a.Id == e.Id) anchorHash = e.Hash;
                previous = e.Hash;
                expected++;
                count++;
            }
            if (page.Count < Batch) break;
        }
        if (anchor is { } an)
        {
            if (an.Id > count)
                return new AuditVerification(false, count, count + 1, $"the trail ends at entry {count} but entry {an.Id} was written (its tail was removed)", an.Id);
            if (anchorHash != an.Hash)
                return new AuditVerification(false, count, an.Id, $"entry {an.Id} differs from the anchored one", an.Id);
        }
        return new AuditVerification(true, count, null, null, anchor?.Id);
    }

    private (long Id, string Hash)? ReadAnchor()
    {
        string text;
        try { text = File.ReadAllText(_anchorPath).Trim(); }
        catch (FileNotFoundException) { return null; }
        var parts = text.Split(' ');
        return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? (id, parts[1]) : null;
    }

    private string Compute(AuditEntry e)
    {
        var text = new StringBuilder();
        void Field(string? value) => text.Append(value is null ? "-1:" : string.Create(CultureInfo.InvariantCulture, $"{value.Length}:{value}")).Append('|');
        Field(e.Id.ToString(CultureInfo.InvariantCulture));
        Field(e.Time.UtcTicks.ToString(CultureInfo.InvariantCulture));
        Field(e.ActorId?.ToString());
        Field(e.Actor);
        Field(e.Action);
        Field(e.TargetType);
        Field(e.TargetId);
        Field(e.TeamId?.ToString());
        Field(e.RemoteAddress);
        Field(e.Outcome);
        Field(e.Detail);
        Field(e.PreviousHash);
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static byte[] LoadOrCreateKey(string path)
    {
        if (File.Exists(path)) return Convert.FromHexString(File.ReadAllText(path).Trim());
        var key = RandomNumberGenerator.GetBytes(32);
        var temp = path + ".tmp";
        File.WriteAllText(temp, Convert.ToHexStringLower(key) + "\n");
        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try { File.Move(temp, path, overwrite: false); }
        catch (IOException) { File.Delete(temp); return Convert.FromHexString(File.ReadAllText(path).Trim()); }
        return key;
    }
}
