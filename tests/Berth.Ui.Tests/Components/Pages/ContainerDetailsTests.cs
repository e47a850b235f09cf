using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Live;
using Berth.Data.Entities;
using Berth.Ui.Components.Pages;
using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Ui.Tests.Components.Pages;

public sealed class ContainerDetailsTests : UiTestContext
{
    private IRenderedComponent<ContainerDetails> RenderPage(Guid id) => Render<ContainerDetails>(p => p.Add(x => x.Id, id));

    private ContainerView Seed(string state = "running")
    {
        var view = Samples.Container("web", state) with { ExitCode = state == "running" ? null : 137 };
        ContainerClient.Containers = [view];
        return view;
    }

    [Fact]
    public void Render_NotFound_ShowsTheControlPlaneMessage()
    {
        RenderProviders();

        var cut = RenderPage(Guid.NewGuid());

        cut.WaitForAssertion(() => Assert.Equal("container not found", cut.Find("[data-testid=container-error]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=container-state]"));
    }

    [Fact]
    public void Render_Container_NameStateAndActionsForAMember()
    {
        var view = Seed("exited");
        RenderProviders();

        var cut = RenderPage(view.Id);

        cut.WaitForAssertion(() => Assert.Equal("exited", cut.Find("[data-testid=container-state]").TextContent.Trim()));
        Assert.Equal("web", cut.Find("#page-title").TextContent);
        Assert.Contains("last exit 137", cut.Find("[data-testid=exit-code]").TextContent);
        Assert.False(cut.Find("[data-testid=action-start]").HasAttribute("disabled"));
        Assert.True(cut.Find("[data-testid=action-stop]").HasAttribute("disabled"));
    }

    [Fact]
    public void Render_Viewer_NoActionButtons()
    {
        var view = Seed();
        Session.Caller = FakeSessionClient.Member(TeamRole.Viewer);
        RenderProviders();

        var cut = RenderPage(view.Id);

        cut.WaitForAssertion(() => Assert.Equal("running", cut.Find("[data-testid=container-state]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid^=action-]"));
    }

    [Fact]
    public void Stop_Confirmed_SendsStopAndShowsTheNewState()
    {
        var view = Seed();
        var dialogs = RenderProviders();
        var cut = RenderPage(view.Id);
        cut.WaitForAssertion(() => Assert.Equal("running", cut.Find("[data-testid=container-state]").TextContent.Trim()));

        cut.Find("[data-testid=action-stop]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains(ContainerActions.Warning(ContainerAction.Stop), dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Stop").Click();

        cut.WaitForAssertion(() => Assert.Equal("exited", cut.Find("[data-testid=container-state]").TextContent.Trim()));
        Assert.Equal([("stop", view.Id)], ContainerClient.Actions);
    }

    [Fact]
    public void Remove_Confirmed_RemovesAndGoesToTheList()
    {
        var view = Seed();
        var dialogs = RenderProviders();
        var cut = RenderPage(view.Id);
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=action-remove]")));

        cut.Find("[data-testid=action-remove]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Remove web?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Remove").Click();

        cut.WaitForAssertion(() => Assert.EndsWith("/containers", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
        Assert.Equal([("remove", view.Id)], ContainerClient.Actions);
    }

    [Fact]
    public void Render_DashboardChange_ReadsTheContainerAgain()
    {
        var view = Seed();
        RenderProviders();
        var cut = RenderPage(view.Id);
        cut.WaitForAssertion(() => Assert.Equal("running", cut.Find("[data-testid=container-state]").TextContent.Trim()));

        ContainerClient.Containers = [view with { State = "failed" }];
        Live.Dashboard.Writer.TryWrite(new DashboardCounts(Samples.T0, 1, new Dictionary<string, int> { ["failed"] = 1 }));

        cut.WaitForAssertion(() => Assert.Equal("failed", cut.Find("[data-testid=container-state]").TextContent.Trim()));
    }

    [Fact]
    public void Render_StatsTab_FollowsTheContainersStats()
    {
        var view = Seed();
        RenderProviders();
        var cut = RenderPage(view.Id);

        Live.Stats.Writer.TryWrite(Samples.Stats(view.Id, Samples.T0, cpu: 3));

        cut.WaitForAssertion(() => Assert.Equal("3 %", cut.Find("[data-testid=stats-cpu]").TextContent));
        Assert.Equal([view.Id], Live.StreamsOpened);
    }
}
