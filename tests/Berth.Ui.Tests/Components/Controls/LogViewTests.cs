using Berth.Ui.Components.Controls;
using Berth.Ui.Tests.Fakes;

namespace Berth.Ui.Tests.Components.Controls;

public sealed class LogViewTests : UiTestContext
{
    private static readonly Guid Id = Guid.NewGuid();

    private IRenderedComponent<LogView> RenderLog() => Render<LogView>(p => p.Add(x => x.ContainerId, Id));

    private static string[] Lines(IRenderedComponent<LogView> cut)
        => cut.FindAll("[data-testid=log-lines] span").Select(e => e.TextContent).ToArray();

    private static string PauseText(IRenderedComponent<LogView> cut) => cut.Find("[data-testid=log-pause]").TextContent.Trim();

    [Fact]
    public void Render_LinesPushed_ShownInOrderWithTheirStream()
    {
        var cut = RenderLog();

        Live.Logs.Writer.TryWrite([Samples.Line("hello"), Samples.Line("oops", "stderr")]);
        Live.Logs.Writer.TryWrite([Samples.Line("world")]);

        cut.WaitForAssertion(() => Assert.Equal(["hello", "oops", "world"], Lines(cut)));
        Assert.Equal(["stdout", "stderr", "stdout"], cut.FindAll("[data-testid=log-lines] span").Select(e => e.ClassName));
        Assert.Equal([Id], Live.StreamsOpened);
    }

    [Fact]
    public void Pause_LinesPushed_HeldUntilResume()
    {
        var cut = RenderLog();
        Live.Logs.Writer.TryWrite([Samples.Line("before")]);
        cut.WaitForAssertion(() => Assert.Equal(["before"], Lines(cut)));

        cut.Find("[data-testid=log-pause]").Click();
        cut.WaitForAssertion(() => Assert.Equal("Resume (0 new)", PauseText(cut)));
        Live.Logs.Writer.TryWrite([Samples.Line("during 1"), Samples.Line("during 2")]);

        cut.WaitForAssertion(() => Assert.Equal("Resume (2 new)", PauseText(cut)));
        Assert.Equal(["before"], Lines(cut));

        cut.Find("[data-testid=log-pause]").Click();

        cut.WaitForAssertion(() => Assert.Equal(["before", "during 1", "during 2"], Lines(cut)));
        Assert.Equal("Pause", PauseText(cut));
    }

    [Fact]
    public void Render_Download_LinksToTheLogsEndpoint()
    {
        var cut = RenderLog();

        Assert.Equal($"/api/v1/containers/{Id}/logs?download=true", cut.Find("[data-testid=log-download]").GetAttribute("href"));
    }

    [Fact]
    public async Task Render_Following_ScrollsToTheEnd()
    {
        var cut = RenderLog();
        Live.Logs.Writer.TryWrite([Samples.Line("a")]);
        cut.WaitForAssertion(() => Assert.Equal(["a"], Lines(cut)));

        // Read on the renderer's dispatcher: the scroll calls are recorded there.
        Assert.NotEqual(0, await cut.InvokeAsync(() => JSInterop.Invocations["berth.scrollToEnd"].Count));
    }
}
