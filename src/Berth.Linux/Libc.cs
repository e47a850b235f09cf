using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>Raw libc entry points. Every call sets errno (SetLastError) so wrappers can throw <see cref="LinuxException"/>.</summary>
internal static unsafe partial class Libc
{
    private const string L = "libc";

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mount(string? source, string target, string? fstype, ulong flags, string? data);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int umount2(string target, int flags);

    [LibraryImport(L, SetLastError = true)]
    internal static partial long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int unshare(int flags);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int setns(int fd, int nstype);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int sethostname(byte* name, nuint len);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int setdomainname(byte* name, nuint len);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mknod(string path, uint mode, ulong dev);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mkfifo(string path, uint mode);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mkdir(string path, uint mode);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rmdir(string path);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int unlink(string path);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int lchown(string path, uint uid, uint gid);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int chmod(string path, uint mode);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags, uint mode);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int openat(int dirfd, string path, int flags, uint mode);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport(L, SetLastError = true)]
    internal static partial nint read(int fd, byte* buf, nuint count);

    [LibraryImport(L, SetLastError = true)]
    internal static partial nint write(int fd, byte* buf, nuint count);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int dup2(int oldfd, int newfd);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int pipe2(int* fds, int flags);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int socketpair(int domain, int type, int protocol, int* sv);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int socket(int domain, int type, int protocol);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int connect(int fd, byte* addr, uint len);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int bind(int fd, byte* addr, uint len);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int listen(int fd, int backlog);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int accept4(int fd, byte* addr, uint* len, int flags);

    [LibraryImport(L, SetLastError = true)]
    internal static partial nint sendmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport(L, SetLastError = true)]
    internal static partial nint recvmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int kill(int pid, int sig);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int waitpid(int pid, int* status, int options);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int setsid();

    [LibraryImport(L, SetLastError = true)]
    internal static partial int getpid();

    [LibraryImport(L, SetLastError = true)]
    internal static partial int getppid();

    [LibraryImport(L, SetLastError = true)]
    internal static partial uint geteuid();

    [LibraryImport(L, SetLastError = true)]
    internal static partial int prctl(int option, ulong a2, ulong a3, ulong a4, ulong a5);

    [LibraryImport(L, SetLastError = true)]
    internal static partial uint umask(uint mask);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int prlimit(int pid, int resource, RLimit* newLimit, RLimit* oldLimit);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int chdir(string path);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int chroot(string path);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int fchdir(int fd);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int execve(byte* path, byte** argv, byte** envp);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int ioctl(int fd, ulong request, void* arg);

    [LibraryImport(L, SetLastError = true)]
    internal static partial nint signal(int sig, nint handler);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int sigprocmask(int how, ulong* set, ulong* oldset);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int poll(PollFd* fds, ulong nfds, int timeout);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int personality(ulong persona);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int tcgetattr(int fd, byte* termios);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int tcsetattr(int fd, int actions, byte* termios);

    [LibraryImport(L, SetLastError = true)]
    internal static partial void cfmakeraw(byte* termios);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int posix_spawn_file_actions_init(void* fa);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int posix_spawn_file_actions_destroy(void* fa);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int posix_spawn_file_actions_adddup2(void* fa, int fd, int newfd);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int posix_spawn_file_actions_addclose(void* fa, int fd);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int posix_spawn_file_actions_addclosefrom_np(void* fa, int from);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int posix_spawnattr_init(void* attr);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int posix_spawnattr_destroy(void* attr);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int posix_spawnattr_setflags(void* attr, short flags);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int posix_spawnattr_setsigmask(void* attr, ulong* mask);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int posix_spawnattr_setsigdefault(void* attr, ulong* mask);

    internal const long SYS_setuid = 105;
    internal const long SYS_setgid = 106;
    internal const long SYS_setgroups = 116;
    internal const long SYS_capget = 125;
    internal const long SYS_capset = 126;
    internal const long SYS_pivot_root = 155;
    internal const long SYS_gettid = 186;
    internal const long SYS_pidfd_send_signal = 424;
    internal const long SYS_pidfd_open = 434;
    internal const long SYS_close_range = 436;
    internal const long SYS_openat2 = 437;
    internal const long SYS_open_tree = 428;
    internal const long SYS_getcwd = 79;
    internal const long SYS_mount_setattr = 442;
    internal const long SYS_memfd_create = 319;
    internal const long SYS_bpf = 321;

    [StructLayout(LayoutKind.Sequential)]
    internal struct RLimit
    {
        public ulong Cur;
        public ulong Max;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public void* Base;
        public nuint Len;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mkdirat(int dirfd, string path, uint mode);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mknodat(int dirfd, string path, uint mode, ulong dev);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int symlinkat(string target, int dirfd, string path);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int linkat(int olddirfd, string oldpath, int newdirfd, string newpath, int flags);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int unlinkat(int dirfd, string path, int flags);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int renameat(int olddirfd, string oldpath, int newdirfd, string newpath);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int fchownat(int dirfd, string path, uint uid, uint gid, int flags);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int fchown(int fd, uint uid, uint gid);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int fchmod(int fd, uint mode);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int utimensat(int dirfd, string path, TimeSpec* times, int flags);

    [LibraryImport(L, SetLastError = true)]
    internal static partial int futimens(int fd, TimeSpec* times);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int fsetxattr(int fd, string name, byte* value, nuint size, int flags);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint fgetxattr(int fd, string name, byte* value, nuint size);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int statx(int dirfd, string path, int flags, uint mask, byte* buf);

    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint readlinkat(int dirfd, string path, byte* buf, nuint size);

    [StructLayout(LayoutKind.Sequential)]
    internal struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
