using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Berth.Linux;
using Berth.Runtime;
using Berth.Runtime.Spec;

namespace Berth.Engine;

/// <summary>What the control plane's live pages reach into a running container with: signals to one process, a terminal, HTTP probes.</summary>
public sealed partial class ContainerEngine
{
    /// <summary>How long <see cref="OpenTerminal"/> waits for the terminal once the exec has started (it was sent by then).</summary>
    private static readonly TimeSpan TerminalWait = TimeSpan.FromSeconds(10);

    /// <summary>The most of an HTTP response a probe reads looking for its status line.</summary>
    private const int MaxStatusLine = 8192;

    /// <summary>
    /// Sends <paramref name="signal"/> to one process of a running container, named by its host pid (as
    /// <see cref="Top"/> shows it), and records a <c>kill-process</c> event. The pid must be one of the container's
    /// (its cgroup's, as the runtime lists them); it is checked again once a pidfd holds the process, and the signal
    /// goes through that pidfd, so a pid that another process took meanwhile is never signalled.
    /// </summary>
    /// <exception cref="EngineException">No such container, it is not running, the pid is not one of its processes
    /// (or the process has exited), or the signal is not a number from 1 to 64.</exception>
    public void KillProcess(string nameOrId, int hostPid, int signal)
    {
        if (signal is < 1 or > Signals.SIGRTMAX) throw new EngineException($"signal {signal} is not a signal number (1 to {Signals.SIGRTMAX})");
        var record = Running(nameOrId);
        var notIn = $"process {hostPid} is not in container {record.Name}";
        if (hostPid <= 0 || !PidsOf(record).Contains(hostPid)) throw new EngineException(notIn);
        var pidfd = Pidfd.TryOpen(hostPid);
        if (pidfd < 0) throw new EngineException($"{notIn} (it has exited)");
        try
        {
            // Between the listing and pidfd_open the process may have exited and its pid gone to another; the pidfd
            // names one process for good, so the same check made now holds for what it names.
            if (!PidsOf(record).Contains(hostPid)) throw new EngineException(notIn);
            var errno = Pidfd.Signal(pidfd, signal);
            if (errno == Errno.ESRCH) throw new EngineException($"{notIn} (it has exited)");
            if (errno != 0)
            {
                var error = new LinuxException("pidfd_send_signal", errno, $"{Signals.Name(signal)} to {hostPid}");
                throw new EngineException($"cannot signal process {hostPid} of container {record.Name}: {error.Message}", error);
            }
        }
        finally { Fd.Close(pidfd); }
        Events.Append(new EngineEvent { Type = "container", Action = "kill-process", Subject = record.Id, Name = record.Name, Image = record.Image, Pid = hostPid, Signal = signal });
    }

    /// <summary>
    /// Runs <paramref name="args"/> in a running container on a new terminal of <paramref name="cols"/> ×
    /// <paramref name="rows"/> characters, as <see cref="Exec"/> would with <c>-it</c> (the request's
    /// <see cref="ExecRequest.Tty"/> and <see cref="ExecRequest.Detach"/> are ignored), and returns once it runs.
    /// The caller owns the terminal: disposing it ends the process and releases the terminal.
    /// </summary>
    /// <exception cref="EngineException">No such container, it is not running, a bad request, or the process could
    /// not be started (the runtime's message: no such executable, …).</exception>
    public ExecTerminal OpenTerminal(string nameOrId, IReadOnlyList<string> args, ExecRequest request, ushort cols, ushort rows)
    {
        if (cols == 0 || rows == 0) throw new EngineException($"a terminal of {cols}x{rows}: it needs at least one column and one row");
        var (record, process) = ExecProcess(nameOrId, args, request, terminal: true);
        process.ConsoleSize = new ConsoleSize { Width = cols, Height = rows };
        // Only this user may connect to the console socket: the folder is private (0700).
        var dir = Directory.CreateTempSubdirectory("berth-terminal-");
        var socketPath = Path.Combine(dir.FullName, "console.sock");
        var pidFile = Path.Combine(dir.FullName, "exec.pid");
        var listener = -1;
        var pid = -1;
        var pidfd = -1;
        try
        {
            listener = UnixSockets.Listen(socketPath, UnixSockets.SOCK_STREAM);
            // Detached, with a pid file: the runtime returns once the process has exec'd, and the process is this
            // one's own child (the exec helper that the runtime spawned, which became it), so the terminal waits for
            // it on a thread of its own and has its exit status all the same. A foreground exec would hold a thread
            // for the terminal's whole life and would take SIGINT, SIGTERM, SIGHUP and SIGQUIT from this whole
            // process to forward them to the terminal's process: a host being shut down would not stop.
            try { Runtime.Exec(record.Id, process, new ExecOptions { Detach = true, ConsoleSocket = socketPath, PidFile = pidFile }); }
            catch (RuntimeException e) { throw new EngineException($"container {record.Name}: {e.Message}", e); }
            pid = int.Parse(File.ReadAllText(pidFile), NumberStyles.None, CultureInfo.InvariantCulture);
            // Not reaped yet, so it is there (as a zombie at worst).
            pidfd = Pidfd.TryOpen(pid);
            if (pidfd < 0) throw new EngineException($"container {record.Name}: pidfd_open of the terminal's process {pid} failed");
            var master = ConsoleSockets.ReceiveMaster(listener, TerminalWait);
            return new ExecTerminal(Runtime, record.Id, pid, pidfd, master);
        }
        catch
        {
            if (pid > 0)
            {
                Signals.TryKill(pid, Signals.SIGKILL);
                Processes.Wait(pid);
            }
            Fd.Close(pidfd);
            throw;
        }
        finally
        {
            Fd.Close(listener);
            dir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Sends <c>GET <paramref name="path"/> HTTP/1.1</c> to 127.0.0.1:<paramref name="port"/> in a running
    /// container's network namespace (its own loopback, not the host's) and returns the response's status code.
    /// The socket is made by a thread that joins the namespace for that one call; the connection then runs on
    /// any thread. <paramref name="timeout"/> bounds the whole probe; <paramref name="cancellationToken"/> cancels it.
    /// </summary>
    /// <exception cref="EngineException">No such container or it is not running, a bad port or path, or the probe
    /// failed: the message says why (connection refused, timed out, not an HTTP response).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<int> ProbeHttpAsync(string nameOrId, int port, string path, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (port is < 1 or > 65535) throw new EngineException($"port {port} is not a TCP port (1 to 65535)");
        // The path goes into the request line as it is: no space or control character may end it or add headers.
        if (!path.StartsWith('/') || path.Any(c => c <= ' ' || c >= 0x7f))
            throw new EngineException($"HTTP path \"{path}\": it must start with '/' and hold only printable ASCII without spaces (percent-encode the rest)");
        if (timeout <= TimeSpan.Zero) throw new EngineException("an HTTP probe needs a timeout above zero");
        var record = Running(nameOrId);
        var where = $"http://127.0.0.1:{port}{path} in container {record.Name}";
        using var socket = SocketInNetworkOf(record);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), limit.Token).ConfigureAwait(false);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            var request = $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: berth-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), limit.Token).ConfigureAwait(false);
            return ParseStatusLine(await ReadStatusLineAsync(stream, limit.Token).ConfigureAwait(false), where);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EngineException($"probe of {where}: timed out after {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            throw new EngineException($"probe of {where}: connection refused (nothing listens on port {port} there)", e);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            throw new EngineException($"probe of {where}: {e.Message}", e);
        }
    }

    /// <summary>
    /// A TCP socket in the network namespace of the container's init. A pidfd holds the init while its namespace
    /// file is opened: the start time checked once the pidfd is open says it is the container's init, and a pidfd
    /// that has not reported an exit once the file is open says the file is still that process's.
    /// </summary>
    private Socket SocketInNetworkOf(ContainerRecord record)
    {
        var notRunning = $"container {record.Name} is not running";
        Berth.Runtime.State.ContainerState state;
        try { state = Runtime.Store.Load(record.Id); }
        catch (RuntimeException e) { throw new EngineException(notRunning, e); }
        var pidfd = Pidfd.TryOpen(state.Pid);
        if (pidfd < 0) throw new EngineException(notRunning);
        try
        {
            if (Processes.StartTime(state.Pid) != state.PidStartTime) throw new EngineException(notRunning);
            var nsPath = $"/proc/{state.Pid}/ns/net";
            var netns = Fd.TryOpen(nsPath, Fd.O_RDONLY | Fd.O_CLOEXEC, out var errno);
            if (netns < 0)
            {
                var error = new LinuxException("open", errno, nsPath);
                throw new EngineException($"container {record.Name}: {error.Message}", error);
            }
            try
            {
                if (Pidfd.WaitExit(pidfd, 0)) throw new EngineException(notRunning);
                var fd = Namespaces.RunOnThreadIn(netns, NamespaceType.CLONE_NEWNET, nsPath, InetSockets.OpenTcp);
                return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
            }
            catch (LinuxException e) { throw new EngineException($"container {record.Name}: {e.Message}", e); }
            finally { Fd.Close(netns); }
        }
        finally { Fd.Close(pidfd); }
    }

    /// <summary>Reads a response up to the end of its first line (at most <see cref="MaxStatusLine"/> bytes).</summary>
    private static async Task<string> ReadStatusLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxStatusLine];
        var length = 0;
        while (length < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (n == 0) break;
            length += n;
            if (buffer.AsSpan(0, length).IndexOf((byte)'\n') >= 0) break;
        }
        var text = Encoding.Latin1.GetString(buffer, 0, length);
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        return (end >= 0 ? text[..end] : text).TrimEnd('\r');
    }

    /// <summary>The status code of an HTTP/1.x status line (<c>HTTP/1.1 200 OK</c>).</summary>
    private static int ParseStatusLine(string line, string where)
    {
        var parts = line.Split(' ', 3);
        if (parts.Length >= 2 && parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) && parts[1].Length == 3
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code >= 100)
            return code;
        var shown = line.Length == 0 ? "nothing (the connection was closed)" : $"\"{new string(line.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray())}\"";
        throw new EngineException($"probe of {where}: not an HTTP response: got {shown}");
    }
}
