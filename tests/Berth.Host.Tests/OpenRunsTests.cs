using Berth.ControlPlane.Containers;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Tests;

public sealed class OpenRunsTests
{
    [Fact]
    public async Task LoadAsync_ContainersWithManyEndedRuns_OpenRunOfEachReadThroughOpenRunIndex()
    {
        await using var plans = await QueryPlans.CreateAsync();
        await plans.AddContainersAsync("node-a", 200, "NULL");
        await plans.AddRunsAsync(ended: 50);
        var ids = await plans.Db.Containers.OrderBy(c => c.Name).Select(c => c.Id).Take(3).ToListAsync();

        var runs = await OpenRuns.LoadAsync(plans.Db, ids, CancellationToken.None);

        foreach (var id in ids)
        {
            var open = runs.Of(id);
            Assert.NotNull(open);
            Assert.Null(open.EndedAt);
            Assert.Equal(await plans.Db.Runs.Where(r => r.ContainerId == id).MaxAsync(r => r.StartedAt), open.StartedAt);
        }
        Assert.Contains("IX_runs_ContainerId_Open", await plans.ExplainAsync(OpenRuns.Stored(plans.Db, ids)), StringComparison.Ordinal);
    }
}
