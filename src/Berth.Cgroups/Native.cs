using System.Runtime.InteropServices;

namespace Berth.Cgroups;

/// <summary>
/// The few libc calls this library needs with an exact errno: cgroupfs reports a refused value only
/// through write(2)'s errno, and the managed file APIs fold errnos into exception types.
/// </summary>
internal static partial class Native
{
    internal const int O_WRONLY = 0x1;
    internal const int O_TRUNC = 0x200;
    internal const int O_CLOEXEC = 0x80000;
    internal const int SIGKILL = 9;

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int kill(int pid, int sig);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Mkdir(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "rmdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Rmdir(string path);
}
