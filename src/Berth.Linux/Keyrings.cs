namespace Berth.Linux;

/// <summary>Kernel keyrings (keyctl(2)).</summary>
public static class Keyrings
{
    private const long SYS_keyctl = 250;
    private const long KEYCTL_JOIN_SESSION_KEYRING = 1;

    /// <summary>
    /// Gives the calling process a new anonymous session keyring, so the container does not share the host's
    /// (keys in a shared session keyring would be readable and writable from inside). Returns false where the
    /// kernel has no keyrings (ENOSYS).
    /// </summary>
    public static bool JoinNewSessionKeyring()
    {
        if (Libc.syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0, 0) >= 0) return true;
        var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno == Errno.ENOSYS) return false;
        throw new LinuxException("keyctl", errno, "KEYCTL_JOIN_SESSION_KEYRING");
    }
}
