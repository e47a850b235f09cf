using Berth.Ui.Components.Controls;
using Berth.Ui.Tests.Fakes;

namespace Berth.Ui.Tests.Components.Controls;

public sealed class ProcessTreeViewTests : UiTestContext
{
    private static readonly Guid Id = Guid.NewGuid();

    private static Berth.ControlPlane.Live.ProcessTreeSample Sample()
        => Samples.Tree(Samples.Process(100, 1, "/sbin/init", 'S',
            Samples.Process(101, 2, "sh -c 'sleep 600'", 'S', Samples.Process(103, 4, "sleep 600", 'S')),
            Samples.Process(102, 3, "[defunct]", 'Z')));

    private IRenderedComponent<ProcessTreeView> RenderProcesses(bool canOperate)
        => Render<ProcessTreeView>(p => p.Add(x => x.ContainerId, Id).Add(x => x.CanOperate, canOperate));

    private static string[] Commands(IRenderedComponent<ProcessTreeView> cut)
        => cut.FindAll("[data-testid=process-command]").Select(e => e.TextContent).ToArray();

    [Fact]
    public void Render_NoSampleYet_ShowsProgress()
    {
        var cut = RenderProcesses(false);

        Assert.NotEmpty(cut.FindAll(".mud-progress-linear"));
        Assert.Empty(cut.FindAll("[data-testid=process-row]"));
    }

    [Fact]
    public void Render_SamplePushed_ShowsCommandsDepthFirstAndMarksTheZombie()
    {
        var cut = RenderProcesses(false);

        Live.Processes.Writer.TryWrite(Sample());

        cut.WaitForAssertion(() => Assert.Equal(["/sbin/init", "sh -c 'sleep 600'", "sleep 600", "[defunct]"], Commands(cut)));
        var zombie = cut.FindAll("[data-testid=process-row]").Single(r => r.TextContent.Contains("[defunct]", StringComparison.Ordinal));
        Assert.Contains("berth-proc-zombie", zombie.ClassName);
        Assert.Contains("zombie", zombie.Children[3].TextContent);
        Assert.Contains("4 processes, 1 zombie", cut.Markup);
        Assert.Equal([Id], Live.StreamsOpened);
    }

    [Fact]
    public void Toggle_Collapse_HidesTheChildThenShowsIt()
    {
        var cut = RenderProcesses(false);
        Live.Processes.Writer.TryWrite(Sample());
        cut.WaitForAssertion(() => Assert.Equal(4, Commands(cut).Length));

        var shRow = cut.FindAll("[data-testid=process-row]")[1];
        shRow.QuerySelector("[data-testid=process-toggle]")!.Click();

        cut.WaitForAssertion(() => Assert.Equal(["/sbin/init", "sh -c 'sleep 600'", "[defunct]"], Commands(cut)));
        Assert.Equal("expand", cut.FindAll("[data-testid=process-row]")[1].QuerySelector("[data-testid=process-toggle]")!.GetAttribute("aria-label"));

        cut.FindAll("[data-testid=process-row]")[1].QuerySelector("[data-testid=process-toggle]")!.Click();

        cut.WaitForAssertion(() => Assert.Equal(4, Commands(cut).Length));
    }

    [Fact]
    public void Render_CannotOperate_NoKillButtons()
    {
        var cut = RenderProcesses(false);
        Live.Processes.Writer.TryWrite(Sample());
        cut.WaitForAssertion(() => Assert.Equal(4, Commands(cut).Length));

        Assert.Empty(cut.FindAll("[data-testid=process-kill]"));
    }

    [Fact]
    public void Render_CanOperate_KillOnEveryLivingProcess()
    {
        var cut = RenderProcesses(true);
        Live.Processes.Writer.TryWrite(Sample());
        cut.WaitForAssertion(() => Assert.Equal(4, Commands(cut).Length));

        var rows = cut.FindAll("[data-testid=process-row]");
        Assert.Equal([true, true, true, false], rows.Select(r => r.QuerySelector("[data-testid=process-kill]") is not null));
    }

    [Fact]
    public void Kill_ConfirmedWithSigkill_SendsSignal9ToTheHostPid()
    {
        var dialogs = RenderProviders();
        var cut = RenderProcesses(true);
        Live.Processes.Writer.TryWrite(Sample());
        cut.WaitForAssertion(() => Assert.Equal(4, Commands(cut).Length));

        cut.FindAll("[data-testid=process-row]")[2].QuerySelector("[data-testid=process-kill]")!.Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Send SIGTERM to sleep 600 (pid 4 in the container, 103 on the host)?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "SIGKILL").Click();

        dialogs.WaitForAssertion(() => Assert.Equal([(Id, 103, 9)], Live.Kills));
    }

    [Fact]
    public void Kill_Cancelled_SendsNothing()
    {
        var dialogs = RenderProviders();
        var cut = RenderProcesses(true);
        Live.Processes.Writer.TryWrite(Sample());
        cut.WaitForAssertion(() => Assert.Equal(4, Commands(cut).Length));

        cut.FindAll("[data-testid=process-kill]")[0].Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Kill process?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();

        dialogs.WaitForAssertion(() => Assert.DoesNotContain("Kill process?", dialogs.Markup));
        Assert.Empty(Live.Kills);
    }

    [Fact]
    public void Render_EmptyTree_SaysNotRunning()
    {
        var cut = RenderProcesses(true);

        Live.Processes.Writer.TryWrite(Samples.Tree());

        cut.WaitForAssertion(() => Assert.Equal("No processes: the container is not running.", cut.Find("[data-testid=no-processes]").TextContent));
    }

    [Fact]
    public void Render_StreamFails_ShowsItsMessage()
    {
        var cut = RenderProcesses(false);

        Live.Processes.Writer.Complete(new InvalidOperationException("the node is unreachable"));

        cut.WaitForAssertion(() => Assert.Contains("the node is unreachable", cut.Find(".mud-alert").TextContent));
    }
}
