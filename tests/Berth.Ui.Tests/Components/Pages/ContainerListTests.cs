using Berth.Data.Entities;
using Berth.Ui.Components.Pages;
using Berth.Ui.Tests.Fakes;

namespace Berth.Ui.Tests.Components.Pages;

public sealed class ContainerListTests : UiTestContext
{
    private static string[] Names(IRenderedComponent<ContainerList> cut)
        => cut.FindAll("[data-testid=containers-grid] tbody a[href^='/containers/']").Select(a => a.TextContent).ToArray();

    [Fact]
    public void Render_NoContainers_EmptyStateWithLaunch()
    {
        RenderProviders();
        var cut = Render<ContainerList>();

        cut.WaitForAssertion(() => Assert.Contains("No containers yet", cut.Find("[data-testid=empty-state]").TextContent));
        Assert.Contains("Launch your first sandbox", cut.Find("[data-testid=empty-state]").TextContent);
        Assert.NotEmpty(cut.FindAll("[data-testid=empty-state] a[href='/launch']"));
        Assert.Empty(cut.FindAll("[data-testid=containers-grid]"));
    }

    [Fact]
    public void Render_NoContainersAndViewerOnly_NoLaunch()
    {
        Session.Caller = FakeSessionClient.Member(TeamRole.Viewer);
        RenderProviders();
        var cut = Render<ContainerList>();

        cut.WaitForAssertion(() => Assert.Contains("your role does not launch them", cut.Find("[data-testid=empty-state]").TextContent));
        Assert.Empty(cut.FindAll("a[href='/launch']"));
    }

    [Fact]
    public void Render_Containers_RowWithNameStateImageAndLink()
    {
        var web = Samples.Container("web", "running", image: "nginx:1.27");
        var db = Samples.Container("db", "exited", image: "postgres:17");
        ContainerClient.Containers = [web, db];
        RenderProviders();

        var cut = Render<ContainerList>();

        cut.WaitForAssertion(() => Assert.Equal(["db", "web"], Names(cut).Order(StringComparer.Ordinal)));
        var webRow = cut.FindAll("[data-testid=containers-grid] tbody tr").Single(r => r.TextContent.Contains("web", StringComparison.Ordinal));
        Assert.Contains("running", webRow.QuerySelector(".mud-chip")!.TextContent);
        Assert.Contains("nginx:1.27", webRow.TextContent);
        Assert.Equal($"/containers/{web.Id}", webRow.QuerySelector("a")!.GetAttribute("href"));
        Assert.Empty(cut.FindAll("[data-testid=empty-state]"));
    }

    [Fact]
    public void Render_StatsTick_ShowsLiveCpuAndMemory()
    {
        var web = Samples.Container("web", "running");
        ContainerClient.Containers = [web];
        RenderProviders();
        var cut = Render<ContainerList>();
        cut.WaitForAssertion(() => Assert.Equal("—", cut.Find("[data-testid=row-cpu]").TextContent));

        Live.Latest[web.Id] = Samples.Stats(web.Id, Samples.T0, cpu: 42.5, memory: 96L << 20);
        Time.WaitForTimer();
        Time.Fire();

        cut.WaitForAssertion(() => Assert.Equal("42.5 %", cut.Find("[data-testid=row-cpu]").TextContent));
        Assert.Equal("96 MiB", cut.Find("[data-testid=row-memory]").TextContent);
    }

    [Fact]
    public void Render_DashboardChange_ReloadsTheRows()
    {
        ContainerClient.Containers = [Samples.Container("web")];
        RenderProviders();
        var cut = Render<ContainerList>();
        cut.WaitForAssertion(() => Assert.Equal(["web"], Names(cut)));

        ContainerClient.Containers = [.. ContainerClient.Containers, Samples.Container("worker", "created")];
        Live.Dashboard.Writer.TryWrite(new Berth.ControlPlane.Live.DashboardCounts(Samples.T0, 2, new Dictionary<string, int> { ["running"] = 1, ["created"] = 1 }));

        cut.WaitForAssertion(() => Assert.Equal(["web", "worker"], Names(cut).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void BulkStop_AllSelectedAndConfirmed_StopsOnlyTheRunningOnes()
    {
        var web = Samples.Container("web", "running");
        var db = Samples.Container("db", "exited");
        ContainerClient.Containers = [web, db];
        var dialogs = RenderProviders();
        var cut = Render<ContainerList>();
        cut.WaitForAssertion(() => Assert.Equal(2, Names(cut).Length));

        cut.Find("[data-testid=containers-grid] thead input[type=checkbox]").Change(true);
        cut.WaitForAssertion(() => Assert.Contains("2 selected", cut.Markup));
        cut.Find("[data-testid=bulk-stop]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Stop 1 container(s)?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Stop").Click();

        cut.WaitForAssertion(() => Assert.Equal([("stop", web.Id)], ContainerClient.Actions));
        cut.WaitForAssertion(() => Assert.Contains("0 selected", cut.Markup));
    }
}
