using Berth.Linux;

namespace Berth.Linux.Tests;

public sealed class SignalsTests
{
    [Theory]
    [InlineData("9", 9)]
    [InlineData("1", 1)]
    [InlineData("64", 64)]
    [InlineData("KILL", 9)]
    [InlineData("SIGKILL", 9)]
    [InlineData("sigterm", 15)]
    [InlineData("Term", 15)]
    [InlineData("HUP", 1)]
    [InlineData("SIGWINCH", 28)]
    [InlineData("SYS", 31)]
    [InlineData("IOT", 6)]
    [InlineData("CLD", 17)]
    [InlineData("POLL", 29)]
    [InlineData("RTMIN", 34)]
    [InlineData("RTMIN+2", 36)]
    [InlineData("SIGRTMIN+2", 36)]
    [InlineData("rtmin+30", 64)]
    [InlineData("RTMAX", 64)]
    [InlineData("RTMAX-2", 62)]
    [InlineData("SIGRTMAX-30", 34)]
    public void Parse_NumberOrName_ReturnsSignalNumber(string value, int expected)
    {
        Assert.Equal(expected, Signals.Parse(value));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("-1")]
    [InlineData("+9")]
    [InlineData(" 9")]
    [InlineData("9x")]
    [InlineData("")]
    [InlineData("SIG")]
    [InlineData("FOO")]
    [InlineData("SIGFOO")]
    [InlineData("SIGSIGKILL")]
    [InlineData("RTMIN+31")]
    [InlineData("RTMIN-1")]
    [InlineData("RTMAX+1")]
    [InlineData("RTMIN+")]
    [InlineData("RTMINX")]
    public void Parse_BadValue_ThrowsArgumentExceptionNamingIt(string value)
    {
        var e = Assert.Throws<ArgumentException>(() => Signals.Parse(value));
        Assert.Contains($"\"{value}\"", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "SIGHUP")]
    [InlineData(9, "SIGKILL")]
    [InlineData(15, "SIGTERM")]
    [InlineData(17, "SIGCHLD")]
    [InlineData(31, "SIGSYS")]
    [InlineData(34, "SIGRTMIN+0")]
    [InlineData(36, "SIGRTMIN+2")]
    [InlineData(64, "SIGRTMIN+30")]
    [InlineData(0, "signal 0")]
    [InlineData(32, "signal 32")]
    [InlineData(65, "signal 65")]
    public void Name_SignalNumber_ReturnsKernelName(int signal, string expected)
    {
        Assert.Equal(expected, Signals.Name(signal));
    }

    [Fact]
    public void NameThenParse_EveryNamedSignal_RoundTrips()
    {
        for (var sig = 1; sig <= Signals.SIGRTMAX; sig++)
        {
            if (sig is 32 or 33) continue;
            Assert.Equal(sig, Signals.Parse(Signals.Name(sig)));
        }
    }
}
