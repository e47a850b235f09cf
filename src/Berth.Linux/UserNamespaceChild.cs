namespace Berth.Linux;

/// <summary>
/// A child started by <see cref="UserNamespaceSpawn.Start"/>: held before execve until <see cref="Release"/> (when it
/// was asked to wait for its id maps), then waited on with <see cref="WaitExec"/>. Disposing closes the pipes; a
/// child that is not to be released must be killed (<see cref="Kill"/>): it holds a copy of the sync pipe's write
/// end itself, so it never sees the end of file.
/// </summary>
public sealed class UserNamespaceChild : IDisposable
{
    private int _sync;
    private int _report;

    internal UserNamespaceChild(int pid, int sync, int report)
    {
        Pid = pid;
        _sync = sync;
        _report = report;
    }

    /// <summary>The child's pid (in the caller's pid namespace).</summary>
    public int Pid { get; private set; }

    /// <summary>Lets a held child go on to execve.</summary>
    /// <exception cref="LinuxException">The child is gone.</exception>
    public void Release()
    {
        if (_sync < 0) return;
        try { Fd.WriteAll(_sync, [1]); }
        finally
        {
            Fd.Close(_sync);
            _sync = -1;
        }
    }

    /// <summary>Waits until the child has exec'ed its program.</summary>
    /// <exception cref="LinuxException">A step before execve failed (named, with its errno); the child has exited and is reaped.</exception>
    public void WaitExec()
    {
        if (_report < 0) return;
        try
        {
            if (UserNamespaceSpawn.ReadReport(_report, out _, out var step, out var errno))
            {
                Processes.Wait(Pid);
                throw UserNamespaceSpawn.ErrorOf(step, errno, "the child before execve");
            }
        }
        finally
        {
            Fd.Close(_report);
            _report = -1;
        }
    }

    /// <summary>Kills and reaps the child (which may have failed already).</summary>
    public void Kill()
    {
        if (Signals.TryKill(Pid, Signals.SIGKILL) == 0) Processes.Wait(Pid);
    }

    /// <summary>
    /// After an unshare of a pid namespace: the first child made the real one (its PID 1) with CLONE_PARENT, reported
    /// its pid and exited. Reaps the first and takes the second's pid.
    /// </summary>
    internal void TakeGrandchild()
    {
        var first = Pid;
        var ok = UserNamespaceSpawn.ReadReport(_report, out var kind, out var a, out var b);
        Processes.Wait(first);
        if (!ok) throw new LinuxException("clone (pid namespace)", Errno.ECHILD, "the child exited before reporting");
        if (kind != UserNamespaceSpawn.PidReport) throw UserNamespaceSpawn.ErrorOf(a, b, "the child before execve");
        Pid = a;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Fd.Close(_sync);
        Fd.Close(_report);
        _sync = _report = -1;
    }
}
