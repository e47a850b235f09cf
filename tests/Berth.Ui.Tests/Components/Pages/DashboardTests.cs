using Berth.Ui.Model;
using Berth.ControlPlane.Live;
using Berth.Ui.Components.Pages;
using Berth.Ui.Tests.Fakes;

namespace Berth.Ui.Tests.Components.Pages;

public sealed class DashboardTests : UiTestContext
{
    private IRenderedComponent<Dashboard> RenderLoaded()
    {
        RenderProviders();
        var cut = Render<Dashboard>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=team-quota]")));
        return cut;
    }

    private static (string Count, string Of) Running(IRenderedComponent<Dashboard> cut)
        => (cut.Find("[data-testid=running-count] .mud-typography-h5").TextContent.Trim(), cut.Find("[data-testid=running-count] .mud-typography-caption").TextContent.Trim());

    [Fact]
    public void Render_CountsPushed_ShowsRunningAndEachState()
    {
        var cut = RenderLoaded();
        Assert.Equal(("0", "of 0 containers you see"), Running(cut));

        Live.Dashboard.Writer.TryWrite(new DashboardCounts(Samples.T0, 5, new SortedDictionary<string, int>(StringComparer.Ordinal) { ["exited"] = 2, ["running"] = 3 }));

        cut.WaitForAssertion(() => Assert.Equal(("3", "of 5 containers you see"), Running(cut)));
        Assert.Equal(["exited 2", "running 3"], cut.FindAll("[data-testid=state-counts] .mud-chip").Select(c => c.TextContent.Trim()));
    }

    [Fact]
    public void Render_HostStatsPushed_ShowsNodeCpuAndMemory()
    {
        var cut = RenderLoaded();
        Assert.NotEmpty(cut.FindAll("[data-testid=node-cpu] .mud-skeleton"));

        Live.Host.Writer.TryWrite(new HostStatsSample("node-1", Samples.T0, 8, 37.5, 16L << 30, 12L << 30, 3, 1.5, 1, 0.5));

        cut.WaitForAssertion(() => Assert.Contains("37.5 %", cut.Find("[data-testid=node-cpu]").TextContent));
        Assert.Contains("8 cores · load 1.50", cut.Find("[data-testid=node-cpu]").TextContent);
        Assert.Contains("4 GiB", cut.Find("[data-testid=node-memory]").TextContent);
        Assert.Contains("of 16 GiB on node-1", cut.Find("[data-testid=node-memory]").TextContent);
    }

    [Fact]
    public void Render_Teams_QuotaOfEachTeam()
    {
        var cut = RenderLoaded();

        var quota = Assert.Single(cut.FindAll("[data-testid=team-quota]"));
        Assert.Contains(FakeSessionClient.TeamName, quota.TextContent);
        Assert.Contains("1 / 10", quota.TextContent);
        Assert.Contains("64 MiB / 1 GiB", quota.TextContent);
    }

    [Fact]
    public void Render_StatesChange_ReloadsRecentContainers()
    {
        ContainerClient.Containers = [Samples.Container("web")];
        var cut = RenderLoaded();
        cut.WaitForAssertion(() => Assert.Contains("web", cut.Markup));
        Live.Dashboard.Writer.TryWrite(new DashboardCounts(Samples.T0, 1, new Dictionary<string, int> { ["running"] = 1 }));
        cut.WaitForAssertion(() => Assert.Contains("of 1 containers", cut.Find("[data-testid=running-count]").TextContent));

        ContainerClient.Containers = [.. ContainerClient.Containers, Samples.Container("batch-job", "exited") with { CreatedAt = Samples.T0.AddMinutes(5) }];
        Live.Dashboard.Writer.TryWrite(new DashboardCounts(Samples.T0, 2, new Dictionary<string, int> { ["running"] = 1, ["exited"] = 1 }));

        cut.WaitForAssertion(() => Assert.Contains("batch-job", cut.Markup));
        Assert.NotEmpty(cut.FindAll($"a[href='/containers/{ContainerClient.Containers[1].Id}']"));
    }

    [Fact]
    public void Render_Events_NewestFirstWithContainerLinkAndActor()
    {
        var web = Guid.NewGuid();
        ContainerClient.Events = [new TimelineEvent(Samples.T0, "create", "web from busybox", "alice", web, "web"),
            new TimelineEvent(Samples.T0.AddSeconds(1), "start", null, null, web, "web")];

        var cut = RenderLoaded();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=recent-events] tbody tr").Count));
        var rows = cut.FindAll("[data-testid=recent-events] tbody tr").Select(r => r.TextContent).ToList();
        Assert.Contains("start", rows[0]);
        Assert.Contains("system", rows[0]);
        Assert.Contains("create", rows[1]);
        Assert.Contains("alice", rows[1]);
        Assert.NotEmpty(cut.FindAll($"[data-testid=recent-events] a[href='/containers/{web}']"));
    }

    [Fact]
    public void Tick_NewEvent_Shown()
    {
        var cut = RenderLoaded();
        Assert.Empty(cut.FindAll("[data-testid=recent-events]"));

        ContainerClient.Events = [new TimelineEvent(Samples.T0, "terminal", "open /bin/sh", "alice", Guid.NewGuid(), "web")];
        Time.WaitForTimer();
        Time.Fire();

        cut.WaitForAssertion(() => Assert.Contains("open /bin/sh", cut.Find("[data-testid=recent-events]").TextContent));
    }

    [Fact]
    public void Render_NoContainers_InvitesToLaunch()
    {
        var cut = RenderLoaded();

        Assert.Contains("Nothing launched yet.", cut.Markup);
    }
}
