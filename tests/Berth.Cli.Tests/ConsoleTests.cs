using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>
/// <c>--console-socket</c>: berth sends the pty master over a Unix socket
/// with SCM_RIGHTS (as runc does); the test receives it with its own
/// <c>recvmsg</c> and talks to the shell through it.
/// </summary>
public sealed partial class ConsoleTests : IDisposable
{
    private const int SOL_SOCKET = 1;
    private const int SCM_RIGHTS = 1;
    private const short POLLIN = 1;

    private readonly CliHarness _h = new();
    private readonly string _id = UniqueId.New("c");
    private readonly string _dir = TestPaths.NewDirectory("console");
    private readonly List<int> _fds = [];

    public void Dispose()
    {
        try
        {
            foreach (var fd in _fds)
            {
                _ = close(fd);
            }

            _h.Dispose();
        }
        finally
        {
            TestPaths.DeleteDirectory(_dir);
        }
    }

    /// <summary>Creates the container with a console socket, takes the pty master berth sends, and starts it.</summary>
    private async Task<int> CreateAndStartOnConsoleAsync(OciBundle bundle)
    {
        var socketPath = Path.Join(_dir, "console.sock");
        using var listener = Listen(socketPath);
        var receive = Task.Run(() => ReceiveFd(listener));
        _h.Ok("create", "--bundle", bundle.Path, "--console-socket", socketPath, _id);
        var master = await receive.WaitAsync(TimeSpan.FromSeconds(5));
        _h.Ok("start", _id);
        return master;
    }

    [RequiresRootFact]
    public async Task CreateStart_ConsoleSocket_ShellAnswersOnThePtyMaster()
    {
        var bundle = _h.NewBundle("sh");
        bundle.Config["process"]!["terminal"] = true;
        bundle.Save();
        var master = await CreateAndStartOnConsoleAsync(bundle);

        Write(master, "echo hello-$((1+1))\n");
        Assert.Contains("hello-2", ReadUntil(master, "hello-2"), StringComparison.Ordinal);
        Write(master, "exit\n");

        var stopped = _h.WaitForExit(_id);
        Assert.Equal(0, (int?)stopped["exitCode"]);
    }

    [RequiresRootFact]
    public async Task CreateStart_ConsoleSocketWithUserNamespace_ShellIsNamespaceRootOnItsOwnPty()
    {
        // The pty comes from the container's own devpts, mounted in the user namespace; its slave must still
        // become the shell's controlling terminal and stdio.
        var bundle = _h.NewBundle("sh");
        bundle.Config["process"]!["terminal"] = true;
        var host = 1_000_000 + ((uint)Random.Shared.Next(0, 4000) * 65536);
        var linux = bundle.Config["linux"]!.AsObject();
        linux["namespaces"]!.AsArray().Add(new System.Text.Json.Nodes.JsonObject { ["type"] = "user" });
        linux["uidMappings"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["containerID"] = 0, ["hostID"] = host, ["size"] = 65536 });
        linux["gidMappings"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["containerID"] = 0, ["hostID"] = host, ["size"] = 65536 });
        bundle.Save();
        var master = await CreateAndStartOnConsoleAsync(bundle);

        Write(master, "echo uid-$(id -u) map-$(awk '{print $2}' /proc/self/uid_map) tty-$(tty) end-$((40+2))\n");
        var seen = ReadUntil(master, "end-42");
        Assert.Contains($"uid-0 map-{host} tty-/dev/pts/0 end-42", seen, StringComparison.Ordinal);
        var hostUid = File.ReadLines($"/proc/{_h.InitPid(_id)}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        Assert.Contains(host.ToString(System.Globalization.CultureInfo.InvariantCulture), hostUid, StringComparison.Ordinal);
        Write(master, "exit\n");

        var stopped = _h.WaitForExit(_id);
        Assert.Equal(0, (int?)stopped["exitCode"]);
    }

    [RequiresRootFact]
    public void Create_TerminalWithoutConsoleSocket_FailsClearlyAndLeavesNothing()
    {
        var bundle = _h.NewBundle("sh");
        bundle.Config["process"]!["terminal"] = true;
        bundle.Save();

        var result = _h.Run("create", "--bundle", bundle.Path, _id);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("console-socket", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_h.StateDir(_id)), $"{_h.StateDir(_id)} left behind");
        Assert.Empty(HostCgroups.Leftovers(_id));
    }

    [RequiresRootFact]
    public async Task Exec_TtyWithConsoleSocket_GivesTheExecdShellAPty()
    {
        var bundle = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(bundle, _id);
        var socketPath = Path.Join(_dir, "exec.sock");
        using var listener = Listen(socketPath);
        var receive = Task.Run(() => ReceiveFd(listener));

        _h.Ok("exec", "-d", "-t", "--console-socket", socketPath, _id, "sh");
        var master = await receive.WaitAsync(TimeSpan.FromSeconds(5));

        Write(master, "tty; echo exec-$((2+3))\n");
        var output = ReadUntil(master, "exec-5");
        Assert.Contains("/dev/pts/", output, StringComparison.Ordinal);
        Write(master, "exit\n");
        Assert.Equal("running", (string?)_h.State(_id)["status"]);
    }

    private static Socket Listen(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen(1);
        return socket;
    }

    /// <summary>Accepts one connection and returns the first fd passed with SCM_RIGHTS.</summary>
    private unsafe int ReceiveFd(Socket listener)
    {
        using var connection = listener.Accept();
        connection.Blocking = true;
        var fd = (int)connection.SafeHandle.DangerousGetHandle();
        var data = stackalloc byte[4096];
        var control = stackalloc byte[64];
        var iov = new IoVec { Base = data, Length = 4096 };
        var header = new MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = 64 };
        var n = recvmsg(fd, &header, 0);
        Assert.True(n >= 0, $"recvmsg failed: errno {Marshal.GetLastPInvokeError()}");
        Assert.True(header.ControlLen >= 20, $"no control message (controllen {header.ControlLen})");
        // struct cmsghdr: size_t cmsg_len; int cmsg_level; int cmsg_type; then the data.
        Assert.Equal(SOL_SOCKET, *(int*)(control + 8));
        Assert.Equal(SCM_RIGHTS, *(int*)(control + 12));
        var received = *(int*)(control + 16);
        lock (_fds)
        {
            _fds.Add(received);
        }

        return received;
    }

    private static unsafe void Write(int fd, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        fixed (byte* p = bytes)
        {
            Assert.Equal(bytes.Length, (int)write(fd, p, bytes.Length));
        }
    }

    /// <summary>Reads the pty master until <paramref name="expected"/> shows up; fails after 5 s with what came.</summary>
    private static unsafe string ReadUntil(int fd, string expected)
    {
        var seen = new StringBuilder();
        var clock = Stopwatch.StartNew();
        var buffer = stackalloc byte[1024];
        while (!seen.ToString().Contains(expected, StringComparison.Ordinal))
        {
            var left = 5000 - (int)clock.ElapsedMilliseconds;
            Assert.True(left > 0, $"no \"{expected}\" on the pty within 5 s; got: {seen}");
            var pfd = new PollFd { Fd = fd, Events = POLLIN };
            if (poll(&pfd, 1, left) <= 0)
            {
                continue;
            }

            var n = read(fd, buffer, 1024);
            Assert.True(n > 0, $"pty read ended ({n}, errno {Marshal.GetLastPInvokeError()}) before \"{expected}\"; got: {seen}");
            seen.Append(Encoding.UTF8.GetString(buffer, (int)n));
        }

        return seen.ToString();
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public byte* Control;
        public nuint ControlLen;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint recvmsg(int sockfd, MsgHdr* msg, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
