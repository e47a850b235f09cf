using System.Globalization;
using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;

namespace Berth.Ui.Tests.Model;

public sealed class StatsWindowTests
{
    private static StatsWindow Named(string label) => StatsWindow.All.Single(w => w.Label == label);

    [Fact]
    public void All_ShortestFirst_LiveUpToFifteenMinutesThenDatabase()
    {
        Assert.Equal(["1 min", "5 min", "15 min", "1 h", "6 h", "24 h", "7 d"], StatsWindow.All.Select(w => w.Label));
        Assert.Equal([false, false, false, true, true, true, true], StatsWindow.All.Select(w => w.FromDatabase));
        Assert.Equal(Named("15 min"), StatsWindow.LongestLive);
    }

    [Fact]
    public void Range_NowInsideABucket_EndsAtThatBucketsEnd()
    {
        var hour = Named("1 h");

        Assert.Equal((Samples.T0.AddHours(-1), Samples.T0), hour.Range(Samples.T0));
        Assert.Equal((Samples.T0.AddSeconds(12).AddHours(-1), Samples.T0.AddSeconds(12)), hour.Range(Samples.T0.AddSeconds(0.5)));
        Assert.Equal((Samples.T0.AddSeconds(12).AddHours(-1), Samples.T0.AddSeconds(12)), hour.Range(Samples.T0.AddSeconds(11.9)));
        var week = Named("7 d").Range(Samples.T0);
        Assert.Equal(TimeSpan.FromDays(7), week.To - week.From);
        Assert.InRange(week.To - Samples.T0, TimeSpan.Zero, TimeSpan.FromSeconds(2016));
    }

    [Fact]
    public void Format_ByWindow_SecondsThenMinutesThenDate()
    {
        var local = Samples.T0.AddSeconds(7).ToLocalTime();

        Assert.Equal(local.ToString("HH:mm:ss", CultureInfo.InvariantCulture), Named("1 min").Format(Samples.T0.AddSeconds(7)));
        Assert.Equal(local.ToString("HH:mm", CultureInfo.InvariantCulture), Named("1 h").Format(Samples.T0.AddSeconds(7)));
        Assert.Equal(local.ToString("HH:mm", CultureInfo.InvariantCulture), Named("24 h").Format(Samples.T0.AddSeconds(7)));
        Assert.Equal(local.ToString("MM-dd HH:mm", CultureInfo.InvariantCulture), Named("7 d").Format(Samples.T0.AddSeconds(7)));
    }

    [Fact]
    public void Labels_ManyPoints_AtMostEightEvenlySpacedFromTheOldest()
    {
        var hour = Named("1 h");
        var times = Enumerable.Range(0, 300).Select(i => Samples.T0.AddSeconds(12 * i)).ToList();

        var labels = hour.Labels(times);

        Assert.Equal(300, labels.Length);
        var shown = labels.Select((l, i) => (l, i)).Where(x => x.l.Length > 0).Select(x => x.i).ToList();
        Assert.Equal([0, 38, 76, 114, 152, 190, 228, 266], shown);
        Assert.Equal(hour.Format(times[38]), labels[38]);
        Assert.Equal(times.Take(8).Select(hour.Format), hour.Labels(times.Take(8).ToList()));
        Assert.Empty(hour.Labels([]));
    }
}
