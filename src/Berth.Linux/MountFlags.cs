namespace Berth.Linux;

/// <summary>mount(2) flags (linux/mount.h).</summary>
[Flags]
public enum MountFlags : ulong
{
    None = 0,
    MS_RDONLY = 1,
    MS_NOSUID = 2,
    MS_NODEV = 4,
    MS_NOEXEC = 8,
    MS_SYNCHRONOUS = 16,
    MS_REMOUNT = 32,
    MS_MANDLOCK = 64,
    MS_DIRSYNC = 128,
    MS_NOSYMFOLLOW = 256,
    MS_NOATIME = 1024,
    MS_NODIRATIME = 2048,
    MS_BIND = 4096,
    MS_MOVE = 8192,
    MS_REC = 16384,
    MS_SILENT = 32768,
    MS_UNBINDABLE = 1 << 17,
    MS_PRIVATE = 1 << 18,
    MS_SLAVE = 1 << 19,
    MS_SHARED = 1 << 20,
    MS_RELATIME = 1 << 21,
    MS_STRICTATIME = 1 << 24,
    MS_LAZYTIME = 1 << 25,
}
