using Berth.ControlPlane;
using Berth.ControlPlane.Identity;
using Berth.ControlPlane.Jobs;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Berth.Host;

/// <summary>
/// At start: registers the node's recurring jobs, and on first start creates the admin user (password from
/// <c>BERTH_ADMIN_PASSWORD</c>, or generated and printed once).
/// </summary>
public sealed class Bootstrap(IdentityService identity, IRecurringJobManager recurring, IOptions<ControlPlaneOptions> options, IConfiguration configuration, ILogger<Bootstrap> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var node = options.Value.NodeName;
        try
        {
            recurring.AddOrUpdate<SupervisionJobs>("reconcile-" + NodeQueue.For(node), NodeQueue.For(node), j => j.ReconcileAsync(CancellationToken.None), Cron.Minutely());
            recurring.AddOrUpdate<SupervisionJobs>("audit-anchor", "default", j => j.AnchorAuditAsync(CancellationToken.None), Cron.Minutely());
        }
        catch (Exception e) when (Berth.Data.BerthDatabase.IsUnavailable(e))
        {
            logger.LogWarning("recurring jobs not registered (PostgreSQL cannot be reached); they are on the next start: {Message}", e.Message);
        }
        try
        {
            var generated = await identity.BootstrapAsync(configuration["BERTH_ADMIN_PASSWORD"] is { Length: > 0 } p ? p : null, cancellationToken).ConfigureAwait(false);
            if (generated is not null)
                await Console.Out.WriteLineAsync($"\nBerth: created user admin with password {generated}\n(shown once; set BERTH_ADMIN_PASSWORD on first start to choose it)\n").ConfigureAwait(false);
        }
        catch (Exception e) when (Berth.Data.BerthDatabase.IsUnavailable(e))
        {
            logger.LogWarning("PostgreSQL cannot be reached; the admin user is made on the next start: {Message}", e.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
