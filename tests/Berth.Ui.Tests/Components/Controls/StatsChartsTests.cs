using Berth.Ui.Components.Controls;
using Berth.Ui.Tests.Fakes;

namespace Berth.Ui.Tests.Components.Controls;

public sealed class StatsChartsTests : UiTestContext
{
    private static readonly Guid Id = Guid.NewGuid();

    private IRenderedComponent<StatsCharts> RenderCharts() => Render<StatsCharts>(p => p.Add(x => x.ContainerId, Id));

    [Fact]
    public void Render_NoSample_SaysNoStats()
    {
        var cut = RenderCharts();

        Assert.Contains("No stats: the container is not running", cut.Markup);
        Assert.Empty(cut.FindAll("[data-testid=stats-now]"));
    }

    [Fact]
    public void Render_SamplePushed_ShowsTheLatestFigures()
    {
        var cut = RenderCharts();

        Live.Stats.Writer.TryWrite(Samples.Stats(Id, Samples.T0, cpu: 37.24, memory: 48 * 1048576L, pids: 7));

        cut.WaitForAssertion(() => Assert.Equal("37.2 %", cut.Find("[data-testid=stats-cpu]").TextContent));
        var now = cut.Find("[data-testid=stats-now]").TextContent;
        Assert.Contains("48 MiB", now);
        Assert.Contains("of 64 MiB", now);
        Assert.Contains("7 / 100", now);
        Assert.Equal([Id], Live.StreamsOpened);
    }

    [Fact]
    public void Render_OlderSampleAfterNewer_KeepsTheNewer()
    {
        var cut = RenderCharts();
        Live.Stats.Writer.TryWrite(Samples.Stats(Id, Samples.T0.AddSeconds(2), cpu: 50));
        Live.Stats.Writer.TryWrite(Samples.Stats(Id, Samples.T0.AddSeconds(1), cpu: 99));
        Live.Stats.Writer.TryWrite(Samples.Stats(Id, Samples.T0.AddSeconds(3), cpu: 60));
        cut.WaitForAssertion(() => Assert.Equal("60 %", cut.Find("[data-testid=stats-cpu]").TextContent));
    }

    [Fact]
    public void Window_Widened_ChartsTheOlderSamples()
    {
        var cut = RenderCharts();
        foreach (var s in new[] { 0, 100, 200 }) Live.Stats.Writer.TryWrite(Samples.Stats(Id, Samples.T0.AddSeconds(s), cpu: s + 1));
        cut.WaitForAssertion(() => Assert.Equal("201 %", cut.Find("[data-testid=stats-cpu]").TextContent));
        Assert.Single(cut.FindAll("[data-testid=chart-cpu] circle.mud-chart-point"));

        cut.FindAll("button").Single(b => b.TextContent.Trim() == "15 min").Click();

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=chart-cpu] circle.mud-chart-point").Count));
        Assert.Equal(6, cut.FindAll("[data-testid=chart-memory] circle.mud-chart-point").Count);
    }
}
