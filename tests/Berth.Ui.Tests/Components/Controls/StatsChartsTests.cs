using System.Globalization;
using Berth.ControlPlane.Live;
using Berth.Ui.Components.Controls;
using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;

namespace Berth.Ui.Tests.Components.Controls;

public sealed class StatsChartsTests : UiTestContext
{
    private static readonly Guid Id = Guid.NewGuid();

    private IRenderedComponent<StatsCharts> RenderCharts() => Render<StatsCharts>(p => p.Add(x => x.ContainerId, Id));

    private static ContainerStatsPoint Point(DateTimeOffset time, double cpu = 10, long memory = 32 * 1048576L)
        => new(time, 10, cpu, memory, 2, 2048, 1024);

    private static int Points(IRenderedComponent<StatsCharts> cut, string chart) => cut.FindAll($"[data-testid=chart-{chart}] circle.mud-chart-point").Count;

    private static void Choose(IRenderedComponent<StatsCharts> cut, string window) => cut.FindAll("button").Single(b => b.TextContent.Trim() == window).Click();

    /// <summary>Renders the charts once the history they open with has been asked for.</summary>
    private IRenderedComponent<StatsCharts> RenderSeeded()
    {
        var cut = RenderCharts();
        cut.WaitForAssertion(() => Assert.Single(Live.HistoryAsked));
        return cut;
    }

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

    [Fact]
    public void Render_HistoryInDatabase_ChartsItBeforeTheLiveSamplesWithoutPageCache()
    {
        Time.Now = Samples.T0;
        Live.History = (_, _) => [Point(Samples.T0.AddSeconds(-120)), Point(Samples.T0.AddSeconds(-30)), Point(Samples.T0.AddSeconds(-10), cpu: 40)];

        var cut = RenderCharts();

        cut.WaitForAssertion(() => Assert.Equal(2, Points(cut, "cpu")));
        var asked = Assert.Single(Live.HistoryAsked);
        Assert.Equal((Id, Samples.T0.AddMinutes(-15), Samples.T0, StatsWindow.Points), asked);
        Assert.Equal(2, Points(cut, "memory"));
        Assert.Contains("page cache is not kept in history", cut.Find("[data-testid=stats-history-memory]").TextContent);
        Assert.Contains("No stats: the container is not running", cut.Markup);

        Live.Stats.Writer.TryWrite(Samples.Stats(Id, Samples.T0.AddSeconds(1), cpu: 50));

        cut.WaitForAssertion(() => Assert.Equal(3, Points(cut, "cpu")));
        Assert.Equal(3, Points(cut, "memory"));
        Choose(cut, "15 min");
        cut.WaitForAssertion(() => Assert.Equal(4, Points(cut, "cpu")));
    }

    [Fact]
    public void Window_OneHourChosen_ChartsTheHourFromTheDatabaseAndReadsItAgainOnTheTimer()
    {
        Time.Now = Samples.T0;
        var cut = RenderSeeded();
        var hour = new[] { Point(Samples.T0.AddMinutes(-50), cpu: 5), Point(Samples.T0.AddMinutes(-20), cpu: 15), Point(Samples.T0.AddMinutes(-1), cpu: 25) };
        Live.History = (from, to) => to - from == TimeSpan.FromHours(1) ? hour : [];

        Choose(cut, "1 h");

        cut.WaitForAssertion(() => Assert.Equal(3, Points(cut, "cpu")));
        Assert.Equal((Id, Samples.T0.AddHours(-1), Samples.T0, StatsWindow.Points), Live.HistoryAsked.Last());
        Assert.Equal(3, Points(cut, "memory"));
        Assert.Contains("page cache is not kept in history", cut.Find("[data-testid=stats-history-memory]").TextContent);
        Assert.Contains(Samples.T0.AddMinutes(-20).ToLocalTime().ToString("HH:mm", CultureInfo.InvariantCulture), cut.Find("[data-testid=chart-cpu]").TextContent);
        Assert.Equal(["1 h"], cut.FindAll("button[aria-pressed=true]").Select(b => b.TextContent.Trim()));

        // A tick later the hour is read again, up to the next 12-second bucket's end.
        Time.Now = Samples.T0.AddSeconds(5);
        Time.WaitForTimer();
        Time.Fire();

        cut.WaitForAssertion(() => Assert.Equal((Id, Samples.T0.AddSeconds(12).AddHours(-1), Samples.T0.AddSeconds(12), StatsWindow.Points), Live.HistoryAsked.Last()));
    }

    [Fact]
    public void Window_NoHistoryYet_SaysSo()
    {
        var cut = RenderSeeded();

        Choose(cut, "24 h");

        cut.WaitForAssertion(() => Assert.Contains("No history in the last 24 h yet", cut.Find("[data-testid=stats-no-history]").TextContent));
        Assert.Equal(0, Points(cut, "cpu"));
        Choose(cut, "1 min");
        Assert.Empty(cut.FindAll("[data-testid=stats-no-history]"));
    }

    [Fact]
    public void Window_HistoryFails_ShowsTheError()
    {
        var cut = RenderSeeded();
        Live.History = (_, _) => throw new InvalidOperationException("the database is unreachable");

        Choose(cut, "6 h");

        cut.WaitForAssertion(() => Assert.Contains("the database is unreachable", cut.Find(".mud-alert").TextContent));
    }
}
