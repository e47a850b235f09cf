using Berth.Linux;

namespace Berth.Linux.Tests;

public sealed class WaitStatusTests
{
    [Fact]
    public void Wait_ChildExitsWithSeven_DecodesExitCode()
    {
        var (status, _) = ChildRun.Shell("exit 7");

        Assert.True(status.Exited);
        Assert.False(status.Signaled);
        Assert.Equal(7, status.ExitCode);
        Assert.Equal(7, status.ShellStatus);
    }

    [Fact]
    public void Wait_ChildKillsItselfWithSigkill_DecodesSignal()
    {
        var (status, _) = ChildRun.Shell("kill -9 $$");

        Assert.False(status.Exited);
        Assert.True(status.Signaled);
        Assert.Equal(Signals.SIGKILL, status.Signal);
        Assert.Equal(137, status.ShellStatus);
    }

    [Fact]
    public void Wait_ChildKilledByParent_ReportsPidAndSignal()
    {
        using var child = SpawnedChild.Sleep();
        Signals.Kill(child.Pid, Signals.SIGTERM);

        var status = child.Wait();

        Assert.Equal(child.Pid, status.Pid);
        Assert.True(status.Signaled);
        Assert.Equal(Signals.SIGTERM, status.Signal);
        Assert.Equal(143, status.ShellStatus);
    }

    [Fact]
    public void Wait_ChildAlreadyReaped_ReturnsNull()
    {
        using var child = new SpawnedChild(new SpawnOptions { Path = "/bin/true", Args = ["true"], Env = [] });
        child.Wait();

        Assert.Null(Processes.Wait(child.Pid));
    }

    [Theory]
    [InlineData(0x0000, 0, 0)]
    [InlineData(0x0100, 1, 1)]
    [InlineData(0xff00, 255, 255)]
    public void Properties_RawExitStatus_DecodeAsWifexited(int raw, int exitCode, int shell)
    {
        var s = new WaitStatus(1, raw);

        Assert.True(s.Exited);
        Assert.False(s.Signaled);
        Assert.Equal(exitCode, s.ExitCode);
        Assert.Equal(shell, s.ShellStatus);
    }

    [Theory]
    [InlineData(0x000b, 11, 139)]
    [InlineData(0x008b, 11, 139)]
    [InlineData(0x0040, 64, 192)]
    public void Properties_RawSignalStatus_DecodeAsWifsignaledIgnoringCoreBit(int raw, int signal, int shell)
    {
        var s = new WaitStatus(1, raw);

        Assert.False(s.Exited);
        Assert.True(s.Signaled);
        Assert.Equal(signal, s.Signal);
        Assert.Equal(shell, s.ShellStatus);
    }

    [Fact]
    public void Properties_StoppedStatus_NeitherExitedNorSignaled()
    {
        var s = new WaitStatus(1, (Signals.SIGSTOP << 8) | 0x7f);

        Assert.False(s.Exited);
        Assert.False(s.Signaled);
    }
}
