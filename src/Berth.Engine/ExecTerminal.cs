using Berth.Linux;
using Berth.Runtime;

namespace Berth.Engine;

/// <summary>
/// A process running in a container on a terminal of its own, for a browser's terminal (made by
/// <see cref="ContainerEngine.OpenTerminal"/>). The caller owns it and must dispose it: <see cref="DisposeAsync"/>
/// ends the process and whatever it started on that terminal, and releases the terminal.
/// </summary>
public sealed class ExecTerminal : IAsyncDisposable
{
    /// <summary>How long the terminal's processes get to end after SIGHUP before they are killed.</summary>
    private static readonly TimeSpan HangupGrace = TimeSpan.FromSeconds(2);

    /// <summary>How long disposal waits for the exit after SIGKILL (a process in uninterruptible sleep may take its time).</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);

    private readonly ContainerRuntime _runtime;
    private readonly string _containerId;
    private readonly int _pidfd;
    private readonly TerminalStream _stream;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    /// <summary>
    /// Takes over process <paramref name="pid"/>, a child of this process not yet reaped (so its pid cannot go to
    /// another), with <paramref name="pidfd"/> open on it, and the master of its terminal; owns both descriptors.
    /// </summary>
    internal ExecTerminal(ContainerRuntime runtime, string containerId, int pid, int pidfd, int master)
    {
        _runtime = runtime;
        _containerId = containerId;
        Pid = pid;
        _pidfd = pidfd;
        _stream = new TerminalStream(master);
        new Thread(() =>
        {
            // 255 when the status is lost: only when something else in this process reaped it first (waitpid(-1)).
            var status = Processes.Wait(pid);
            _exited.TrySetResult(status?.ShellStatus ?? 255);
        }, 128 * 1024) { IsBackground = true, Name = "berth-terminal-wait" }.Start();
    }

    /// <summary>The process's pid on the host (it leads the terminal's session).</summary>
    public int Pid { get; }

    /// <summary>
    /// The terminal: reading gives what the process and its children write to it (0 once they have all closed it),
    /// writing types into it. Safe for one reader and one writer at a time; it belongs to the terminal (disposing
    /// it does nothing).
    /// </summary>
    public Stream Stream => _stream;

    /// <summary>The process's exit status once it ends: its exit code, or 128 + the signal that killed it.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>Sets the terminal's size; the process's foreground job gets SIGWINCH.</summary>
    /// <exception cref="ObjectDisposedException">The terminal was disposed.</exception>
    /// <exception cref="LinuxException">The kernel refused the size (TIOCSWINSZ).</exception>
    public void Resize(ushort cols, ushort rows)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _stream.Resize(cols, rows);
    }

    /// <summary>
    /// Ends the process, as a terminal that hangs up: SIGHUP to every process of its session (it, its jobs and
    /// their children) in the container, SIGKILL to those left after two seconds, then waits until it has exited
    /// and the container lists none of them, and closes the terminal. Processes that left its session (setsid) are
    /// not followed, as a hang-up does not reach them either; those orphaned are the container init's to reap (a
    /// zombie is not listed by the container's cgroup). Safe to call more than once.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            if (!Exited.IsCompleted || SessionMembers().Count > 0)
            {
                SignalSession(Signals.SIGHUP);
                var deadline = DateTime.UtcNow + HangupGrace;
                while ((!Exited.IsCompleted || SessionMembers().Count > 0) && DateTime.UtcNow < deadline)
                    await Task.WhenAny(Exited, Task.Delay(50)).ConfigureAwait(false);
                SignalSession(Signals.SIGKILL);
            }
            // Until the container no longer lists any of them, so that a caller that looks next sees them gone.
            var killed = DateTime.UtcNow + KillWait;
            while ((!Exited.IsCompleted || SessionMembers().Count > 0) && DateTime.UtcNow < killed)
                await Task.WhenAny(Exited, Task.Delay(20)).ConfigureAwait(false);
        }
        finally
        {
            await _stream.CloseAsync().ConfigureAwait(false);
            Fd.Close(_pidfd);
        }
    }

    /// <summary>Sends <paramref name="signal"/> to the process (through its pidfd) and to the rest of its session in the container.</summary>
    private void SignalSession(int signal)
    {
        Pidfd.Signal(_pidfd, signal);
        foreach (var pid in SessionMembers())
        {
            var pidfd = Pidfd.TryOpen(pid);
            if (pidfd < 0) continue;
            try
            {
                // Checked again once the pidfd holds the process: the pid may have gone to another in between.
                if (Processes.SessionId(pid) == Pid) Pidfd.Signal(pidfd, signal);
            }
            finally { Fd.Close(pidfd); }
        }
    }

    /// <summary>
    /// The container's processes in the terminal's session, but for its leader. The session id stays taken while a
    /// member lives, so no unrelated process can have it.
    /// </summary>
    private List<int> SessionMembers()
    {
        IReadOnlyList<int> pids;
        try { pids = _runtime.Pids(_containerId); }
        catch (RuntimeException) { return []; } // the container is gone, and its processes with it
        catch (Berth.Cgroups.CgroupException) { return []; }
        return pids.Where(p => p != Pid && Processes.SessionId(p) == Pid).ToList();
    }
}
