using Berth.Linux;

namespace Berth.Linux.Tests;

public sealed class LinuxExceptionTests
{
    [Fact]
    public void Message_SyscallDetailAndErrno_ReadsAsOneLine()
    {
        var e = new LinuxException("mount", Errno.ENOENT, "x on y (...)");

        Assert.Equal("mount x on y (...): ENOENT (No such file or directory)", e.Message);
        Assert.Equal("mount", e.Syscall);
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Equal("x on y (...)", e.Detail);
    }

    [Fact]
    public void Message_NoDetail_SyscallAndErrnoOnly()
    {
        var e = new LinuxException("pipe2", Errno.EPERM);

        Assert.Equal("pipe2: EPERM (Operation not permitted)", e.Message);
        Assert.Null(e.Detail);
    }

    [Fact]
    public void Message_ErrnoWithoutName_ShowsNumberAndText()
    {
        var e = new LinuxException("open", 133, "/x");

        Assert.StartsWith("open /x: errno 133 (", e.Message);
    }

    [Fact]
    public void Message_Emfile_UsesItsName()
    {
        var e = new LinuxException("open", Errno.EMFILE, "/x");

        Assert.Equal("open /x: EMFILE (Too many open files)", e.Message);
    }
}
