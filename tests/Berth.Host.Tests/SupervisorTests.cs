using Berth.ControlPlane.Workers;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Tests;

public sealed class SupervisorTests
{
    [Fact]
    public async Task Expired_ManyContainersFewWithTimeToLive_ReadThroughExpiryIndex()
    {
        await using var plans = await QueryPlans.CreateAsync();
        // One in 500 has a time to live: half of those ran out an hour ago, half run out in an hour.
        await plans.AddContainersAsync("node-a", 5000, "CASE WHEN i % 500 = 0 THEN now() - interval '1 hour' WHEN i % 500 = 1 THEN now() + interval '1 hour' END");
        await plans.AddContainersAsync("node-b", 100, "now() - interval '1 hour'");

        var expired = Supervisor.Expired(plans.Db, "node-a", DateTimeOffset.UtcNow);

        Assert.Equal(10, await expired.CountAsync());
        Assert.Contains("IX_containers_NodeId_ExpiresAt", await plans.ExplainAsync(expired), StringComparison.Ordinal);
    }
}
