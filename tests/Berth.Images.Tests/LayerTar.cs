using System.Formats.Tar;

namespace Berth.Images.Tests;

/// <summary>Builds layer tars entry by entry, hostile ones included (the writer does not check names).</summary>
internal sealed class LayerTar
{
    private static readonly DateTimeOffset Time = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);
    private readonly List<TarEntry> _entries = [];

    public LayerTar Dir(string name, UnixFileMode mode = (UnixFileMode)0x1ed, int uid = 0, int gid = 0)
        => Add(new PaxTarEntry(TarEntryType.Directory, name) { Mode = mode, Uid = uid, Gid = gid, ModificationTime = Time });

    public LayerTar File(string name, string content, UnixFileMode mode = (UnixFileMode)0x1a4, int uid = 0, int gid = 0,
        Dictionary<string, string>? pax = null)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name, pax ?? [])
        {
            Mode = mode, Uid = uid, Gid = gid, ModificationTime = Time,
            DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)),
        };
        return Add(entry);
    }

    public LayerTar Symlink(string name, string target)
        => Add(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, Mode = (UnixFileMode)0x1ff, ModificationTime = Time });

    public LayerTar HardLink(string name, string target)
        => Add(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target, Mode = (UnixFileMode)0x1a4, ModificationTime = Time });

    public LayerTar Device(string name, TarEntryType type, int major, int minor)
        => Add(new PaxTarEntry(type, name) { DeviceMajor = major, DeviceMinor = minor, Mode = (UnixFileMode)0x1b6, ModificationTime = Time });

    public LayerTar Fifo(string name) => Add(new PaxTarEntry(TarEntryType.Fifo, name) { Mode = (UnixFileMode)0x1a4, ModificationTime = Time });

    public LayerTar Whiteout(string dir, string name) => File(dir.Length == 0 ? ".wh." + name : $"{dir}/.wh.{name}", "");

    public LayerTar Opaque(string dir) => File($"{dir}/{LayerUnpacker.OpaqueWhiteout}", "");

    private LayerTar Add(TarEntry entry)
    {
        _entries.Add(entry);
        return this;
    }

    /// <summary>The finished tar.</summary>
    public byte[] ToArray()
    {
        using var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in _entries) writer.WriteEntry(entry);
        }
        return stream.ToArray();
    }
}
