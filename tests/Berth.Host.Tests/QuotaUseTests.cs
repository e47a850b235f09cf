using Berth.ControlPlane.Containers;
using Berth.Data.Entities;

namespace Berth.Host.Tests;

public sealed class QuotaUseTests
{
    [Fact]
    public async Task Use_ThousandsEndedFewRunning_CountsAllSumsTheLiveThroughTheLiveIndex()
    {
        await using var plans = await QueryPlans.CreateAsync();
        await plans.AddContainersAsync("node-a", 5000, "NULL", ContainerState.Stopped);
        await plans.AddContainersAsync("node-a", 3, "NULL", ContainerState.Running);
        await plans.AddContainersAsync("node-a", 2, "NULL", ContainerState.Pending);
        await plans.AddContainersAsync("node-a", 4, "NULL", ContainerState.Failed);

        var use = await QuotaGuard.UseAsync(plans.Db, plans.TeamId, null, CancellationToken.None);

        Assert.Equal(new QuotaUse(5009, 5, 5L * 64 * 1024 * 1024, 0), use);
        Assert.Contains("IX_containers_TeamId_State_Live", await plans.ExplainAsync(QuotaGuard.Use(plans.Db, plans.TeamId, null)), StringComparison.Ordinal);
    }
}
