namespace Berth.Linux;

/// <summary>What <c>statx(2)</c> tells of a file (the fields Berth uses).</summary>
public readonly record struct FileStat(uint Mode, uint Uid, uint Gid, long Size, ulong Inode, uint Links, ulong Blocks, long DeviceMajor, long DeviceMinor)
{
    public const uint S_IFMT = 0xf000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFLNK = 0xa000;

    /// <summary>The file type bits (S_IFDIR, S_IFREG, S_IFLNK, …).</summary>
    public uint Type => Mode & S_IFMT;

    public bool IsDirectory => Type == S_IFDIR;

    public bool IsRegularFile => Type == S_IFREG;

    public bool IsSymlink => Type == S_IFLNK;
}
