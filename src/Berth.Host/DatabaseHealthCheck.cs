using Berth.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Berth.Host;

/// <summary>Ready when PostgreSQL answers and the schema is migrated.</summary>
public sealed class DatabaseHealthCheck(IDbContextFactory<BerthDbContext> dbFactory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            var pending = await db.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false);
            return pending.Any() ? HealthCheckResult.Unhealthy("the database is not migrated: run `Berth.Host migrate`") : HealthCheckResult.Healthy();
        }
        catch (Exception e) when (BerthDatabase.IsUnavailable(e))
        {
            return HealthCheckResult.Unhealthy("PostgreSQL cannot be reached: " + e.Message);
        }
    }
}
