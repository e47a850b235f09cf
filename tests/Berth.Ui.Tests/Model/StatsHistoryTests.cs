using Berth.ControlPlane.Live;
using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;

namespace Berth.Ui.Tests.Model;

public sealed class StatsHistoryTests
{
    private static readonly Guid Id = Guid.NewGuid();

    private static DateTimeOffset At(int seconds) => Samples.T0.AddSeconds(seconds);

    private static ContainerStatsPoint Point(DateTimeOffset time) => new(time, 10, 1, 1048576, 1, 0, 0);

    [Fact]
    public void Add_PastCapacity_KeepsNewest()
    {
        var h = new StatsHistory(3);
        for (var i = 0; i < 5; i++) Assert.True(h.Add(Samples.Stats(Id, At(i))));

        Assert.Equal(3, h.Count);
        Assert.Equal([At(2), At(3), At(4)], h.Window(TimeSpan.FromHours(1)).Select(s => s.Time));
    }

    [Fact]
    public void Add_NotNewer_Ignored()
    {
        var h = new StatsHistory();
        h.Add(Samples.Stats(Id, At(10), cpu: 1));

        Assert.False(h.Add(Samples.Stats(Id, At(10), cpu: 2)));
        Assert.False(h.Add(Samples.Stats(Id, At(5), cpu: 3)));
        Assert.Equal(1, h.Count);
        Assert.Equal(1, h.Latest!.CpuPercent);
    }

    [Fact]
    public void Add_CountersGoBack_ClearsThePreviousRun()
    {
        var h = new StatsHistory();
        h.Add(Samples.Stats(Id, At(1), ioRead: 100, ioWrite: 100));
        h.Add(Samples.Stats(Id, At(2), ioRead: 200, ioWrite: 200));

        h.Add(Samples.Stats(Id, At(3), ioRead: 0, ioWrite: 300));

        Assert.Equal(1, h.Count);
        Assert.Equal(At(3), h.Latest!.Time);
    }

    [Fact]
    public void Window_Span_SamplesAfterLatestMinusSpan()
    {
        var h = new StatsHistory();
        foreach (var s in new[] { 0, 30, 61, 90, 120 }) h.Add(Samples.Stats(Id, At(s)));

        Assert.Equal([At(61), At(90), At(120)], h.Window(TimeSpan.FromMinutes(1)).Select(s => s.Time));
    }

    [Fact]
    public void Window_Empty_Empty()
    {
        Assert.Empty(new StatsHistory().Window(TimeSpan.FromMinutes(1)));
        Assert.Null(new StatsHistory().Latest);
    }

    [Fact]
    public void SeededWindow_PointsAroundTheSamples_OnlyThoseOfTheWindowOlderThanTheFirstSample()
    {
        var h = new StatsHistory();
        h.Seed([Point(At(-100)), Point(At(-50)), Point(At(-10)), Point(At(5))]);

        Assert.Equal([At(-50), At(-10), At(5)], h.SeededWindow(TimeSpan.FromMinutes(1)).Select(p => p.Time));

        h.Add(Samples.Stats(Id, At(0)));
        h.Add(Samples.Stats(Id, At(20)));

        Assert.Equal([At(-10)], h.SeededWindow(TimeSpan.FromMinutes(1)).Select(p => p.Time));
        Assert.Equal([At(-100), At(-50), At(-10)], h.SeededWindow(TimeSpan.FromMinutes(5)).Select(p => p.Time));
        Assert.Empty(new StatsHistory().SeededWindow(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void Constructor_ZeroCapacity_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StatsHistory(0));
    }
}
