using System.Text;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Berth.Host.Tests;

/// <summary>A migrated database of one test's own, filled in bulk, and the plans PostgreSQL makes for our queries on it.</summary>
internal sealed class QueryPlans(TestDatabase database, BerthDbContext db, Guid teamId, Guid userId) : IAsyncDisposable
{
    public BerthDbContext Db => db;

    /// <summary>A new database, migrated, with one team and one user to own what the test adds.</summary>
    public static async Task<QueryPlans> CreateAsync()
    {
        var database = await TestDatabase.CreateAsync();
        try
        {
            await BerthHost.MigrateAsync(database.ConnectionString, CancellationToken.None);
            var options = new DbContextOptionsBuilder<BerthDbContext>();
            options.UseBerthPostgres(database.ConnectionString);
            var context = new BerthDbContext(options.Options);
            var team = new Team { Name = "plans" };
            var user = new User { Username = "plans", PasswordHash = "-" };
            context.AddRange(team, user);
            await context.SaveChangesAsync();
            return new QueryPlans(database, context, team.Id, user.Id);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>The team that owns what the test adds.</summary>
    public Guid TeamId => teamId;

    /// <summary>
    /// Adds <paramref name="count"/> containers on <paramref name="nodeId"/>, numbered from 1, in one statement;
    /// <paramref name="expiresAt"/> is SQL of <c>i</c>, their number (NULL for none). Each is wanted running, in
    /// <paramref name="state"/>, with 1 CPU and 64 MiB.
    /// </summary>
    public async Task AddContainersAsync(string nodeId, int count, string expiresAt, string state = ContainerState.Running)
    {
        await Db.Database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand($$"""
            INSERT INTO containers ("Id", "Name", "TeamId", "OwnerId", "NodeId", "Spec", "Desired", "State", "RestartCount", "CreatedAt", "UpdatedAt", "ExpiresAt")
            SELECT gen_random_uuid(), @node || '-' || @state || '-' || i, @team, @user, @node, '{"image":"busybox","cpus":1,"memoryBytes":67108864}',
                   'Running', @state, 0, now(), now(), {{expiresAt}}
            FROM generate_series(1, @count) AS i
            """, (NpgsqlConnection)Db.Database.GetDbConnection());
        command.Parameters.AddWithValue("state", state);
        command.Parameters.AddWithValue("node", nodeId);
        command.Parameters.AddWithValue("team", teamId);
        command.Parameters.AddWithValue("user", userId);
        command.Parameters.AddWithValue("count", count);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Gives every container <paramref name="ended"/> runs that ended, a minute apart, and one open run, the latest, in
    /// one statement.
    /// </summary>
    public Task AddRunsAsync(int ended) => Db.Database.ExecuteSqlAsync($"""
        INSERT INTO runs ("Id", "ContainerId", "TeamId", "Image", "StartedAt", "EndedAt", "OomKilled")
        SELECT gen_random_uuid(), c."Id", c."TeamId", 'busybox', now() - n * interval '1 minute',
               CASE WHEN n > 0 THEN now() - n * interval '1 minute' + interval '30 seconds' END, false
        FROM containers AS c CROSS JOIN generate_series(0, {ended}) AS n
        """);

    /// <summary>PostgreSQL's plan for <paramref name="query"/> (as EF sends it, with its parameters), after ANALYZE.</summary>
    public async Task<string> ExplainAsync(IQueryable query)
    {
        await Db.Database.ExecuteSqlRawAsync("ANALYZE");
        await Db.Database.OpenConnectionAsync();
        await using var command = query.CreateDbCommand();
        command.CommandText = "EXPLAIN " + command.CommandText;
        await using var reader = await command.ExecuteReaderAsync();
        var plan = new StringBuilder();
        while (await reader.ReadAsync()) plan.AppendLine(reader.GetString(0));
        return plan.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await db.DisposeAsync();
        await database.DisposeAsync();
    }
}
