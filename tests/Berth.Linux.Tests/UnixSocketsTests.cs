using System.Text;
using Berth.Linux;

namespace Berth.Linux.Tests;

public sealed class UnixSocketsTests
{
    private const int O_CLOEXEC_FLAG = 0x80000;

    [Fact]
    public void SendReceive_PipeReadEnd_ReceivedDescriptorReadsThePipe()
    {
        var (a, b) = UnixSockets.Pair();
        var (read, write) = Fd.Pipe();
        var received = Array.Empty<int>();
        try
        {
            UnixSockets.Send(a, "fd"u8, [read]);
            var data = UnixSockets.Receive(b, out received);
            Fd.Close(read);
            read = -1;
            Fd.WriteAll(write, "through the pipe"u8);
            Fd.Close(write);
            write = -1;

            Assert.Equal("fd", Encoding.UTF8.GetString(data));
            var fd = Assert.Single(received);
            Assert.Equal("through the pipe", Encoding.UTF8.GetString(Fd.ReadToEnd(fd)));
            Assert.NotEqual(0, ChildRun.OpenFlags(fd) & O_CLOEXEC_FLAG);
        }
        finally
        {
            foreach (var fd in received) Fd.Close(fd);
            Fd.Close(a);
            Fd.Close(b);
            Fd.Close(read);
            Fd.Close(write);
        }
    }

    [Fact]
    public void SendReceive_Seqpacket_KeepsMessageBoundaries()
    {
        var (a, b) = UnixSockets.Pair();
        try
        {
            UnixSockets.Send(a, "one"u8);
            UnixSockets.Send(a, "two"u8);

            Assert.Equal("one", Encoding.UTF8.GetString(UnixSockets.Receive(b, out var fds1)));
            Assert.Equal("two", Encoding.UTF8.GetString(UnixSockets.Receive(b, out var fds2)));
            Assert.Empty(fds1);
            Assert.Empty(fds2);
        }
        finally
        {
            Fd.Close(a);
            Fd.Close(b);
        }
    }

    [Fact]
    public void SendReceive_MessagesLargerThanAStackBuffer_ArriveWholeAndInOrder()
    {
        var (a, b) = UnixSockets.Pair();
        try
        {
            var big = Enumerable.Range(0, 100_000).Select(i => (byte)('a' + i % 26)).ToArray();
            UnixSockets.Send(a, big);
            UnixSockets.Send(a, "after"u8);

            Assert.Equal(big, UnixSockets.Receive(b, out _));
            Assert.Equal("after", Encoding.UTF8.GetString(UnixSockets.Receive(b, out _)));
        }
        finally
        {
            Fd.Close(a);
            Fd.Close(b);
        }
    }

    [Fact]
    public void Receive_PeerClosed_ReturnsEmptyWithoutDescriptors()
    {
        var (a, b) = UnixSockets.Pair();
        try
        {
            Fd.Close(a);
            a = -1;

            var data = UnixSockets.Receive(b, out var fds);

            Assert.Empty(data);
            Assert.Empty(fds);
        }
        finally
        {
            Fd.Close(a);
            Fd.Close(b);
        }
    }

    [Fact]
    public void Pair_BothEnds_AreCloseOnExec()
    {
        var (a, b) = UnixSockets.Pair();
        try
        {
            Assert.NotEqual(0, ChildRun.OpenFlags(a) & O_CLOEXEC_FLAG);
            Assert.NotEqual(0, ChildRun.OpenFlags(b) & O_CLOEXEC_FLAG);
        }
        finally
        {
            Fd.Close(a);
            Fd.Close(b);
        }
    }

    [Fact]
    public void Send_PeerClosed_ThrowsEpipeInsteadOfSignal()
    {
        var (a, b) = UnixSockets.Pair();
        try
        {
            Fd.Close(b);
            b = -1;

            var e = Assert.Throws<LinuxException>(() => UnixSockets.Send(a, "x"u8));

            Assert.Equal(Errno.EPIPE, e.Errno);
            Assert.Equal("sendmsg", e.Syscall);
        }
        finally
        {
            Fd.Close(a);
            Fd.Close(b);
        }
    }

    [Fact]
    public void Connect_MissingSocketFile_ThrowsEnoentNamingPath()
    {
        var path = "/tmp/" + Berth.Testing.UniqueId.New("nosock");

        var e = Assert.Throws<LinuxException>(() => UnixSockets.Connect(path));

        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }
}
