namespace Berth.Linux;

/// <summary>unshare(2) and setns(2). Both act on the calling thread only (see DESIGN.md for why that matters).</summary>
public static class Namespaces
{
    /// <summary>unshare(2) on the calling thread.</summary>
    public static void Unshare(NamespaceType flags)
    {
        if (flags == NamespaceType.None) return;
        if (Libc.unshare((int)flags) != 0) throw LinuxException.FromLastError("unshare", flags.ToString());
    }

    /// <summary>setns(2) into the namespace file at <paramref name="path"/>, checking it is of <paramref name="type"/>.</summary>
    public static void Join(string path, NamespaceType type)
    {
        using var fd = Fd.Open(path, Fd.O_RDONLY);
        if (Libc.setns((int)fd.DangerousGetHandle(), (int)type) != 0)
            throw LinuxException.FromLastError("setns", $"{path} ({type})");
    }

    /// <summary>setns(2) into an already open namespace descriptor.</summary>
    public static void Join(int fd, NamespaceType type, string what)
    {
        if (Libc.setns(fd, (int)type) != 0) throw LinuxException.FromLastError("setns", $"{what} ({type})");
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a new thread that has joined the namespace open at <paramref name="fd"/> (named
    /// <paramref name="what"/> in errors), then returns that thread to the namespace it started in, and gives back
    /// what <paramref name="work"/> returned (or rethrows what it threw). What the work makes keeps the namespace
    /// (a socket belongs to the network namespace of the thread that created it), and the caller's threads never
    /// change namespace. Keep the work to a few syscalls: a thread or thread-pool worker started from the joined
    /// thread would stay in the namespace. Not for user namespaces (a multithreaded process cannot join one).
    /// </summary>
    /// <exception cref="LinuxException">The namespace could not be joined, or the thread's own could not be opened.</exception>
    public static T RunOnThreadIn<T>(int fd, NamespaceType type, string what, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        T result = default!;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                var own = $"/proc/thread-self/ns/{ProcName(type)}";
                using var original = Fd.Open(own, Fd.O_RDONLY | Fd.O_CLOEXEC);
                Join(fd, type, what);
                try { result = work(); }
                finally
                {
                    // The thread ends right after, so a failure here strands nothing; it is reported all the same.
                    Join((int)original.DangerousGetHandle(), type, own);
                }
            }
            catch (Exception e)
            {
                error = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            }
        }, 256 * 1024) { Name = "berth-setns" };
        thread.Start();
        thread.Join();
        error?.Throw();
        return result;
    }

    /// <summary>The /proc/PID/ns file name of a namespace type (<c>mnt</c>, <c>pid</c>, …).</summary>
    public static string ProcName(NamespaceType type) => type switch
    {
        NamespaceType.CLONE_NEWNS => "mnt",
        NamespaceType.CLONE_NEWPID => "pid",
        NamespaceType.CLONE_NEWNET => "net",
        NamespaceType.CLONE_NEWIPC => "ipc",
        NamespaceType.CLONE_NEWUTS => "uts",
        NamespaceType.CLONE_NEWUSER => "user",
        NamespaceType.CLONE_NEWCGROUP => "cgroup",
        NamespaceType.CLONE_NEWTIME => "time",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a single namespace type"),
    };
}
