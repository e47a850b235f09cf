using System.Text;
using Berth.Linux;

namespace Berth.Linux.Tests;

// SetCloseOnExec(false) briefly leaves an inheritable descriptor, which a concurrent spawn in ProcessesTests would see.
[Collection(InheritedDescriptors.Name)]
public sealed class FdTests
{
    private const int O_CLOEXEC_FLAG = 0x80000;

    [Fact]
    public void Pipe_WriteThenRead_RoundTripsAndBothEndsCloseOnExec()
    {
        var (read, write) = Fd.Pipe();
        try
        {
            Fd.WriteAll(write, "abc"u8);
            Fd.Close(write);
            var flagsRead = ChildRun.OpenFlags(read);
            write = -1;

            Assert.Equal("abc", Encoding.UTF8.GetString(Fd.ReadToEnd(read)));
            Assert.NotEqual(0, flagsRead & O_CLOEXEC_FLAG);
        }
        finally
        {
            Fd.Close(read);
            Fd.Close(write);
        }
    }

    [Fact]
    public void TryReadText_FileLargerThanOneBuffer_ReturnsItAll()
    {
        var path = Path.Combine(Path.GetTempPath(), $"berth-fd-{Guid.NewGuid():N}");
        var text = string.Concat(Enumerable.Range(0, 3000).Select(i => $"line {i} é\n"));
        try
        {
            File.WriteAllText(path, text);

            Assert.Equal(text, Fd.TryReadText(path, out var errno));
            Assert.Equal(0, errno);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void TryReadText_ProcFile_ReadsWhatTheKernelGenerates()
    {
        var stat = Fd.TryReadText("/proc/self/stat", out _);

        Assert.StartsWith($"{Environment.ProcessId} (", stat, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadText_MissingFile_NullWithEnoent()
    {
        Assert.Null(Fd.TryReadText("/nonexistent/berth-fd", out var errno));
        Assert.Equal(Errno.ENOENT, errno);
        var e = Assert.Throws<LinuxException>(() => Fd.ReadText("/nonexistent/berth-fd"));
        Assert.Contains("/nonexistent/berth-fd", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadText_Directory_NullWithEisdir()
    {
        Assert.Null(Fd.TryReadText("/proc", out var errno));
        Assert.Equal(Errno.EISDIR, errno);
    }

    [Fact]
    public void WaitReadable_EmptyPipe_TimesOutFalse()
    {
        var (read, write) = Fd.Pipe();
        try
        {
            Assert.False(Fd.WaitReadable(read, 50));
        }
        finally
        {
            Fd.Close(read);
            Fd.Close(write);
        }
    }

    [Fact]
    public void WaitReadable_DataWritten_True()
    {
        var (read, write) = Fd.Pipe();
        try
        {
            Fd.WriteAll(write, "x"u8);

            Assert.True(Fd.WaitReadable(read, 1000));
        }
        finally
        {
            Fd.Close(read);
            Fd.Close(write);
        }
    }

    [Fact]
    public void WaitReadable_WriterClosed_TrueForEndOfFile()
    {
        var (read, write) = Fd.Pipe();
        try
        {
            Fd.Close(write);
            write = -1;

            Assert.True(Fd.WaitReadable(read, 1000));
            Assert.Empty(Fd.ReadToEnd(read));
        }
        finally
        {
            Fd.Close(read);
            Fd.Close(write);
        }
    }

    [Fact]
    public void DupAbove_Minimum100_SameFileAtOrAbove100CloseOnExec()
    {
        var (read, write) = Fd.Pipe();
        var dup = -1;
        try
        {
            dup = Fd.DupAbove(write, 100);
            Fd.Close(write);
            write = -1;
            Fd.WriteAll(dup, "via dup"u8);
            var flags = ChildRun.OpenFlags(dup);
            Fd.Close(dup);
            var dupNumber = dup;
            dup = -1;

            Assert.True(dupNumber >= 100, $"got fd {dupNumber}");
            Assert.NotEqual(0, flags & O_CLOEXEC_FLAG);
            Assert.Equal("via dup", Encoding.UTF8.GetString(Fd.ReadToEnd(read)));
        }
        finally
        {
            Fd.Close(read);
            Fd.Close(write);
            Fd.Close(dup);
        }
    }

    [Fact]
    public void DupAbove_ClosedDescriptor_ThrowsEbadf()
    {
        var e = Assert.Throws<LinuxException>(() => Fd.DupAbove(int.MaxValue, 100));

        Assert.Equal(Errno.EBADF, e.Errno);
    }

    [Fact]
    public void SetCloseOnExec_Cleared_FlagGoneAndIsOpenTrue()
    {
        var (read, write) = Fd.Pipe();
        try
        {
            Fd.SetCloseOnExec(read, false);

            Assert.Equal(0, ChildRun.OpenFlags(read) & O_CLOEXEC_FLAG);
            Assert.True(Fd.IsOpen(read));
        }
        finally
        {
            Fd.Close(read);
            Fd.Close(write);
        }
    }

    [Fact]
    public void Open_MissingFile_ThrowsEnoentNamingPath()
    {
        var path = "/nonexistent/" + Berth.Testing.UniqueId.New("f");

        var e = Assert.Throws<LinuxException>(() => Fd.Open(path, Fd.O_RDONLY));

        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Equal("open", e.Syscall);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }
}
