using System.Security.Cryptography;
using Npgsql;

namespace Berth.Testing;

/// <summary>
/// A database of one test's own, <c>berth_t_</c> and twelve random hex digits, on a <see cref="PostgresServer"/>
/// (by default <see cref="PostgresServer.Shared"/>). The test owns it: disposing drops it, even while connections to
/// it remain open.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable, IDisposable
{
    private int _disposed;

    private TestDatabase(PostgresServer server, string name)
    {
        Server = server;
        Name = name;
        ConnectionString = server.ConnectionStringFor(name);
    }

    /// <summary>The server it lives on.</summary>
    public PostgresServer Server { get; }

    /// <summary>Its name: <c>berth_t_</c> and twelve lowercase hex digits.</summary>
    public string Name { get; }

    /// <summary>An Npgsql connection string to it.</summary>
    public string ConnectionString { get; }

    /// <summary>Creates an empty database on <paramref name="server"/>, or on <see cref="PostgresServer.Shared"/> when null.</summary>
    /// <param name="server">The server; <see cref="PostgresServer.Shared"/> when null.</param>
    /// <param name="cancellationToken">Cancels connecting and creating.</param>
    /// <exception cref="InvalidOperationException">There is no shared server (see <see cref="PostgresServer.Shared"/>).</exception>
    /// <exception cref="NpgsqlException">The server cannot be reached or refused to create it.</exception>
    public static async Task<TestDatabase> CreateAsync(PostgresServer? server = null, CancellationToken cancellationToken = default)
    {
        server ??= PostgresServer.Shared;
        var database = new TestDatabase(server, "berth_t_" + RandomNumberGenerator.GetHexString(12, lowercase: true));
        var connection = new NpgsqlConnection(AdminConnectionString(server));
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand($"CREATE DATABASE \"{database.Name}\"", connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        return database;
    }

    /// <summary>
    /// Drops the database with <c>DROP DATABASE … WITH (FORCE)</c>, which ends the sessions still connected to it,
    /// after clearing the Npgsql pool of <see cref="ConnectionString"/>. Does nothing the second time, or when its
    /// private server was disposed first (the database went with it).
    /// </summary>
    /// <exception cref="InvalidOperationException">The drop failed, e.g. because the server is stopped (the cause is inside).</exception>
    public async ValueTask DisposeAsync()
    {
        if (!BeginDispose()) return;
        try
        {
            var connection = new NpgsqlConnection(AdminConnectionString(Server));
            await using (connection.ConfigureAwait(false))
            {
                await connection.OpenAsync().ConfigureAwait(false);
                var command = new NpgsqlCommand(DropStatement, connection);
                await using (command.ConfigureAwait(false))
                {
                    await command.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
            }
        }
        catch (NpgsqlException e)
        {
            throw DropFailed(e);
        }
    }

    /// <summary>The synchronous form of <see cref="DisposeAsync"/>, for <c>using</c> and xunit's <c>Dispose</c>.</summary>
    /// <exception cref="InvalidOperationException">The drop failed (the cause is inside).</exception>
    public void Dispose()
    {
        if (!BeginDispose()) return;
        try
        {
            using var connection = new NpgsqlConnection(AdminConnectionString(Server));
            connection.Open();
            using var command = new NpgsqlCommand(DropStatement, connection);
            command.ExecuteNonQuery();
        }
        catch (NpgsqlException e)
        {
            throw DropFailed(e);
        }
    }

    /// <summary>Its name.</summary>
    public override string ToString() => Name;

    private string DropStatement => $"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)";

    /// <summary>True when this call is the one to drop it; clears its pool first, so no idle connection of ours outlives it.</summary>
    private bool BeginDispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || Server.IsDisposed) return false;
        using var pooled = new NpgsqlConnection(ConnectionString);
        NpgsqlConnection.ClearPool(pooled);
        return true;
    }

    private InvalidOperationException DropFailed(NpgsqlException e) =>
        new($"cannot drop test database {Name} on 127.0.0.1:{Server.Port}: {e.Message}", e);

    /// <summary>Database postgres, without pooling: creating and dropping are rare, and leave no idle session behind.</summary>
    private static string AdminConnectionString(PostgresServer server) =>
        new NpgsqlConnectionStringBuilder(server.ConnectionString) { Pooling = false }.ConnectionString;
}
