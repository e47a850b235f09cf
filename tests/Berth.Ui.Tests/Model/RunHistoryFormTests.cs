using Berth.ControlPlane.Containers;
using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;

namespace Berth.Ui.Tests.Model;

public sealed class RunHistoryFormTests
{
    private static RunView Run(DateTimeOffset? ended = null, int? exit = null, int? signal = null, bool oom = false)
        => new(Guid.NewGuid(), Guid.NewGuid(), "web", FakeSessionClient.TeamId, "busybox:latest", "ada", Samples.T0, ended, exit, signal, oom, null);

    [Fact]
    public void ToFilter_Empty_NothingFiltered()
    {
        Assert.Equal(new Berth.ControlPlane.History.RunFilter(), new RunHistoryForm { Team = " ", User = "" }.ToFilter());
    }

    [Fact]
    public void ToFilter_FieldsAndDays_TrimmedAndWholeUtcDays()
    {
        var form = new RunHistoryForm { Team = " blue ", User = "ada", Image = "busybox:latest", Exit = "failed", From = new DateTime(2026, 11, 1), To = new DateTime(2026, 11, 3) };

        var f = form.ToFilter();

        Assert.Equal(("blue", "ada", "busybox:latest", "failed"), (f.Team, f.User, f.Image, f.Exit));
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), f.From);
        Assert.Equal(new DateTimeOffset(2026, 11, 4, 0, 0, 0, TimeSpan.Zero), f.To);
    }

    [Fact]
    public void CsvHref_Filter_SameFilterEscaped()
    {
        var form = new RunHistoryForm { Team = "blue team", Image = "busybox:latest", Exit = "ok", From = new DateTime(2026, 11, 1) };

        Assert.Equal("/api/v1/runs.csv?team=blue%20team&image=busybox%3Alatest&exit=ok&from=2026-11-01T00%3A00%3A00%2B00%3A00", form.CsvHref());
    }

    [Fact]
    public void CsvHref_NoFilter_BareLink()
    {
        Assert.Equal("/api/v1/runs.csv", new RunHistoryForm().CsvHref());
    }

    [Theory]
    [InlineData("code", 137, "137")]
    [InlineData("code", null, null)]
    [InlineData("failed", 137, "failed")]
    [InlineData(null, 3, null)]
    public void ToFilter_ExitChoice_OneCodeOnlyWhenChosen(string? exit, int? code, string? expected)
        => Assert.Equal(expected, new RunHistoryForm { Exit = exit, ExitCode = code }.ToFilter().Exit);

    [Fact]
    public void ExitText_EachEnding_CodeSignalOomOrDash()
    {
        Assert.Equal("0", RunHistoryForm.ExitText(Run(exit: 0)));
        Assert.Equal("signal 9", RunHistoryForm.ExitText(Run(signal: 9)));
        Assert.Equal("137 (OOM)", RunHistoryForm.ExitText(Run(exit: 137, oom: true)));
        Assert.Equal("—", RunHistoryForm.ExitText(Run()));
    }

    [Fact]
    public void DurationText_EndedOrRunning_SpanOrRunning()
    {
        Assert.Equal("1 min 5 s", RunHistoryForm.DurationText(Run(ended: Samples.T0.AddSeconds(65))));
        Assert.Equal("running", RunHistoryForm.DurationText(Run()));
    }
}
