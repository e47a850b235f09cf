using System.Diagnostics;
using Berth.Linux;
using Berth.Testing;

namespace Berth.Linux.Tests;

public sealed class NodesTests : IDisposable
{
    private readonly string _dir = TestPaths.NewDirectory("nodes");

    public void Dispose() => TestPaths.DeleteDirectory(_dir);

    [Theory]
    [InlineData(1, 3, 0x103UL)]
    [InlineData(0, 0, 0UL)]
    [InlineData(8, 1, 0x801UL)]
    [InlineData(259, 0x12345, 0x12310345UL)]
    [InlineData(4095, 0xfffff, 0xffffffffUL)]
    [InlineData(0x12345, 0x6789a, 0x120006783459aUL)]
    [InlineData(0x7fffffff, 0x7fffffff, 0x7ffff7ffffffffffUL)]
    public void MakeDev_MajorMinor_MatchesGlibcMakedev(long major, long minor, ulong expected)
    {
        Assert.Equal(expected, Nodes.MakeDev(major, minor));
    }

    [RequiresRootFact]
    public void MakeNode_CharDeviceWithWideMinor_KernelReportsSameNumbers()
    {
        var path = Path.Combine(_dir, "dev");

        Nodes.MakeNode(path, Nodes.S_IFCHR, 0x1a4, 259, 0x12345);

        Assert.Equal("character special file 259 74565 644", Stat(path, "%F %Hr %Lr %a"));
    }

    [Fact]
    public void MakeDirectory_NewThenExisting_TrueThenFalse()
    {
        var path = Path.Combine(_dir, "d");

        Assert.True(Nodes.MakeDirectory(path, 0x1ed));
        Assert.True(Directory.Exists(path));
        Assert.False(Nodes.MakeDirectory(path, 0x1ed));
    }

    [Fact]
    public void MakeDirectory_MissingParent_ThrowsEnoentNamingPath()
    {
        var path = Path.Combine(_dir, "missing", "d");

        var e = Assert.Throws<LinuxException>(() => Nodes.MakeDirectory(path, 0x1ed));

        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MakeFifo_NewPath_CreatesAFifoThatPassesData()
    {
        var path = Path.Combine(_dir, "fifo");

        Nodes.MakeFifo(path, 0x180);

        Assert.Equal("fifo 600", Stat(path, "%F %a"));
        // O_RDWR on a FIFO never blocks on Linux (fifo(7)); a regular file would read back nothing at the write offset.
        using var handle = Fd.Open(path, Fd.O_RDWR);
        var fd = (int)handle.DangerousGetHandle();
        Fd.WriteAll(fd, "through"u8);
        var buffer = new byte[16];
        Assert.Equal(7, Fd.Read(fd, buffer));
    }

    [Fact]
    public void MakeFifo_ExistingPath_ThrowsEexist()
    {
        var path = Path.Combine(_dir, "fifo");
        Nodes.MakeFifo(path, 0x180);

        var e = Assert.Throws<LinuxException>(() => Nodes.MakeFifo(path, 0x180));

        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Equal("mkfifo", e.Syscall);
    }

    private static string Stat(string path, string format)
    {
        var start = new ProcessStartInfo("/usr/bin/stat") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(format);
        start.ArgumentList.Add(path);
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return output;
    }
}
