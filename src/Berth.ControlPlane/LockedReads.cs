using System.Runtime.CompilerServices;
using Berth.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Berth.ControlPlane;

/// <summary>
/// The control plane's advisory locks, each held until the end of the transaction open on a context; and a lock with
/// the reads it guards, sent to PostgreSQL in one round trip inside that transaction. The statements still run one
/// after the other, and under read committed each takes its snapshot when it starts: the reads see everything
/// committed by whoever held the lock before.
/// </summary>
public static class LockedReads
{
    /// <summary>The advisory lock's key for a lock named by text (<c>quota:TEAM</c>, <c>ports:NODE</c>…) given as <paramref name="parameter"/>.</summary>
    private static string NamedKey(string parameter) => "hashtextextended(" + parameter + ", 7)";

    /// <summary>Takes the transaction-scoped advisory lock named <paramref name="name"/> until the end of the transaction open on <paramref name="db"/>.</summary>
    public static Task<int> TakeAsync(BerthDbContext db, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        // The name goes as a parameter: only the key's fixed SQL is put together here.
        return db.Database.ExecuteSqlAsync(FormattableStringFactory.Create("SELECT pg_advisory_xact_lock(" + NamedKey("{0}") + ")", name), cancellationToken);
    }

    /// <summary>The reads below, under the lock named <paramref name="lockName"/> (as <see cref="TakeAsync"/> takes it).</summary>
    public static Task<T> RunAsync<T>(BerthDbContext db, string lockName, IReadOnlyList<(string Sql, object[] Args)> reads,
        Func<NpgsqlDataReader, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
        => RunAsync(db, (NamedKey("$1"), [lockName]), reads, read, cancellationToken);

    /// <summary>
    /// Takes the transaction-scoped advisory lock <c>pg_advisory_xact_lock(<paramref name="lockSql"/>)</c>, runs
    /// <paramref name="reads"/> (each a statement with its <c>$1…</c> parameters) and hands their results, in order,
    /// to <paramref name="read"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No transaction is open on <paramref name="db"/>.</exception>
    public static async Task<T> RunAsync<T>(BerthDbContext db, (string Sql, object[] Args) lockSql, IReadOnlyList<(string Sql, object[] Args)> reads,
        Func<NpgsqlDataReader, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(reads);
        ArgumentNullException.ThrowIfNull(read);
        if (db.Database.CurrentTransaction?.GetDbTransaction() is not NpgsqlTransaction transaction)
            throw new InvalidOperationException("locked reads run inside the change's transaction");
        await using var batch = new NpgsqlBatch(transaction.Connection, transaction);
        batch.BatchCommands.Add(Command("SELECT pg_advisory_xact_lock(" + lockSql.Sql + ")", lockSql.Args));
        foreach (var (sql, args) in reads) batch.BatchCommands.Add(Command(sql, args));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        // The lock's own result (one void row) comes first.
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        return await read(reader, cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlBatchCommand Command(string sql, object[] args)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var arg in args) command.Parameters.Add(new NpgsqlParameter { Value = arg });
        return command;
    }
}
