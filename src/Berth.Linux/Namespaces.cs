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
