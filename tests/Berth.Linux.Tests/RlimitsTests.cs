using System.Globalization;
using Berth.Linux;

namespace Berth.Linux.Tests;

public sealed class RlimitsTests
{
    [Theory]
    [InlineData("RLIMIT_NOFILE", "Max open files")]
    [InlineData("RLIMIT_STACK", "Max stack size")]
    [InlineData("RLIMIT_CORE", "Max core file size")]
    [InlineData("RLIMIT_NPROC", "Max processes")]
    public void Get_KnownLimit_MatchesProcSelfLimits(string name, string procLabel)
    {
        var (soft, hard) = Rlimits.Get(name);

        var line = File.ReadLines("/proc/self/limits").Single(l => l.StartsWith(procLabel + " ", StringComparison.Ordinal));
        var fields = line[procLabel.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Parse(fields[0]), soft);
        Assert.Equal(Parse(fields[1]), hard);
    }

    [Theory]
    [InlineData("RLIMIT_FOO")]
    [InlineData("rlimit_nofile")]
    [InlineData("NOFILE")]
    [InlineData("")]
    public void Get_UnknownName_ThrowsArgumentExceptionNamingIt(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => Rlimits.Get(name));

        Assert.Contains($"\"{name}\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_UnknownName_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Rlimits.Set("RLIMIT_FOO", 1, 1));
    }

    [Theory]
    [InlineData("RLIMIT_CPU", 0)]
    [InlineData("RLIMIT_NOFILE", 7)]
    [InlineData("RLIMIT_RTTIME", 15)]
    [InlineData("RLIMIT_BOGUS", -1)]
    public void Resource_Name_ReturnsKernelNumber(string name, int expected)
    {
        Assert.Equal(expected, Rlimits.Resource(name));
    }

    private static ulong Parse(string value)
        => value == "unlimited" ? Rlimits.Infinity : ulong.Parse(value, CultureInfo.InvariantCulture);
}
