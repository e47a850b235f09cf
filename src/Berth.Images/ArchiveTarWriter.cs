using System.Formats.Tar;

namespace Berth.Images;

/// <summary>
/// Writes the entries of an image archive so that the same images give the same bytes: ustar headers (PAX only for
/// a file too large for ustar), owner 0:0 without names, mtime 0 (1970-01-01), 0755 folders and 0644 files. The
/// caller writes the entries in name order.
/// </summary>
internal sealed class ArchiveTarWriter(Stream output) : IAsyncDisposable
{
    // The largest size a ustar header's 11 octal digits hold.
    private const long UstarMaxSize = (1L << 33) - 1;

    private readonly TarWriter _writer = new(output, TarEntryFormat.Ustar, leaveOpen: true);

    public Task WriteDirectoryAsync(string name, CancellationToken cancellationToken)
        => WriteAsync(new UstarTarEntry(TarEntryType.Directory, name.EndsWith('/') ? name : name + "/"), (UnixFileMode)0b111_101_101, null, cancellationToken);

    public Task WriteFileAsync(string name, byte[] data, CancellationToken cancellationToken)
        => WriteFileAsync(name, new MemoryStream(data, writable: false), data.Length, cancellationToken);

    /// <summary>Writes a file whose data is <paramref name="data"/>, which must say its length (see <see cref="CheckedLengthStream"/>).</summary>
    public Task WriteFileAsync(string name, Stream data, long length, CancellationToken cancellationToken)
    {
        TarEntry entry = length > UstarMaxSize ? new PaxTarEntry(TarEntryType.RegularFile, name) : new UstarTarEntry(TarEntryType.RegularFile, name);
        return WriteAsync(entry, (UnixFileMode)0b110_100_100, data, cancellationToken);
    }

    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    private async Task WriteAsync(TarEntry entry, UnixFileMode mode, Stream? data, CancellationToken cancellationToken)
    {
        entry.Mode = mode;
        entry.ModificationTime = DateTimeOffset.UnixEpoch;
        entry.Uid = 0;
        entry.Gid = 0;
        if (data is not null) entry.DataStream = data;
        await _writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
    }
}
