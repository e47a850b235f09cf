using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Berth.Data;

/// <summary>How the control plane and the migrations tool configure <see cref="BerthDbContext"/> for PostgreSQL.</summary>
public static class BerthDatabase
{
    /// <summary>The assembly that holds the migrations (migrations/Berth.Migrations).</summary>
    public const string MigrationsAssembly = "Berth.Migrations";

    /// <summary>Configures Npgsql with <paramref name="connectionString"/> (see <see cref="Tuned"/>) and the migrations assembly.</summary>
    public static DbContextOptionsBuilder UseBerthPostgres(this DbContextOptionsBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseNpgsql(Tuned(connectionString), o => o.MigrationsAssembly(MigrationsAssembly));
    }

    /// <summary>
    /// <paramref name="connectionString"/> with what the control plane's units of work need of a pooled connection.
    /// They keep no session state (their advisory locks are the transaction's), so a connection taken from the pool is
    /// not reset (no <c>DISCARD ALL</c> before its first statement), and the statements run again and again (a
    /// launch's, an exit's) are prepared: PostgreSQL parses and plans each once per connection, not every time.
    /// </summary>
    public static string Tuned(string connectionString)
        => new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true, MaxAutoPrepare = 128 }.ConnectionString;

    /// <summary>Whether <paramref name="e"/> says PostgreSQL cannot be reached (down, refusing, restarting).</summary>
    public static bool IsUnavailable(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is NpgsqlException { IsTransient: true } or System.Net.Sockets.SocketException or TimeoutException) return true;
            if (x is PostgresException p && p.SqlState is "57P01" or "57P02" or "57P03" or "08006" or "08001") return true;
        }
        return false;
    }
}
