using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;

namespace Berth.Ui.Tests.Model;

public sealed class LogViewModelTests
{
    private static string[] Texts(LogViewModel vm) => vm.Visible.Select(l => l.Text).ToArray();

    [Fact]
    public void Append_PastCapacity_KeepsNewest()
    {
        var vm = new LogViewModel(3);

        vm.Append([Samples.Line("1"), Samples.Line("2")]);
        vm.Append([Samples.Line("3"), Samples.Line("4"), Samples.Line("5")]);

        Assert.Equal(["3", "4", "5"], Texts(vm));
    }

    [Fact]
    public void Pause_NewLines_HeldUntilResume()
    {
        var vm = new LogViewModel();
        vm.Append([Samples.Line("before")]);

        vm.Pause();
        vm.Append([Samples.Line("during 1"), Samples.Line("during 2")]);

        Assert.Equal(["before"], Texts(vm));
        Assert.Equal(2, vm.Held);

        vm.Resume();

        Assert.Equal(["before", "during 1", "during 2"], Texts(vm));
        Assert.Equal(0, vm.Held);
        Assert.False(vm.Paused);
    }

    [Fact]
    public void Pause_HeldPastCapacity_KeepsNewest()
    {
        var vm = new LogViewModel(2);
        vm.Pause();
        vm.Append([Samples.Line("a"), Samples.Line("b"), Samples.Line("c")]);

        Assert.Equal(2, vm.Held);
        vm.Resume();
        Assert.Equal(["b", "c"], Texts(vm));
    }

    [Fact]
    public void Search_Text_OnlyMatchingLinesIgnoringCase()
    {
        var vm = new LogViewModel();
        vm.Append([Samples.Line("GET /index"), Samples.Line("error: disk full", "stderr"), Samples.Line("Error again")]);

        vm.Search = "error";

        Assert.Equal(["error: disk full", "Error again"], Texts(vm));
    }

    [Fact]
    public void Clear_LinesAndHeld_Emptied()
    {
        var vm = new LogViewModel();
        vm.Append([Samples.Line("a")]);
        vm.Pause();
        vm.Append([Samples.Line("b")]);

        vm.Clear();
        vm.Resume();

        Assert.Empty(vm.Visible);
    }

    [Fact]
    public void Constructor_ZeroCapacity_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LogViewModel(0));
    }
}
