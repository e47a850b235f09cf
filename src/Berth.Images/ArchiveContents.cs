using System.Formats.Tar;

namespace Berth.Images;

/// <summary>
/// What one pass over an image archive's tar leaves: the small JSON documents in memory, every other file in the
/// content store (a file named <c>blobs/sha256/HEX</c> must match that digest; others are digested on the way), and
/// the links between entries. Which images the archive holds is read from the documents afterwards.
/// </summary>
internal sealed class ArchiveContents
{
    /// <summary>The most entries an image archive may hold.</summary>
    public const int MaxEntries = 100_000;

    private const int MaxDocument = 8 << 20;
    private const long MaxDocumentsTotal = 64 << 20;

    private readonly Dictionary<string, byte[]> _documents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (Digest Digest, long Size)> _blobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _links = new(StringComparer.Ordinal);
    private long _documentBytes;

    private ArchiveContents(string format) => Format = format;

    /// <summary>What the archive is called in messages (<c>docker-archive</c>, <c>oci-archive</c>…), once its format is known.</summary>
    public string Format { get; set; }

    /// <summary>
    /// Reads the rest of the archive from <paramref name="reader"/>, starting with <paramref name="first"/> when the
    /// caller already took it (<paramref name="seen"/> entries were read before it).
    /// </summary>
    /// <exception cref="ImageException">A hostile or damaged archive: the message names the entry.</exception>
    public static async Task<ArchiveContents> ReadAsync(TarReader reader, TarEntry? first, int seen, ContentStore store, string format,
        CancellationToken cancellationToken)
    {
        var contents = new ArchiveContents(format);
        try
        {
            var entry = first ?? await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
            var count = seen;
            while (entry is not null)
            {
                if (++count > MaxEntries) throw new ImageException($"{format}: more than {MaxEntries} entries");
                try
                {
                    await contents.AddAsync(entry, store, cancellationToken).ConfigureAwait(false);
                }
                catch (ImageException e) when (!e.Message.StartsWith(format + ":", StringComparison.Ordinal))
                {
                    throw new ImageException($"{format}: entry {entry.Name}: {e.Message}", e);
                }
                entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (TarDamage.IsDamage(e))
        {
            throw TarDamage.Wrap(format, e);
        }
        return contents;
    }

    /// <summary>Whether the archive holds a file (or a link to one) named <paramref name="name"/>.</summary>
    public bool Has(string name)
    {
        var target = ArchivePaths.Follow(_links, name, Format);
        return _documents.ContainsKey(target) || _blobs.ContainsKey(target);
    }

    /// <summary>
    /// The bytes of a small file of the archive (held in memory, or read back from the store when it went there),
    /// or null when the archive has no such file.
    /// </summary>
    /// <exception cref="ImageException">The name leaves the archive, or the file is larger than <paramref name="maxSize"/>.</exception>
    public async Task<byte[]?> DocumentAsync(string name, ContentStore store, long maxSize, CancellationToken cancellationToken)
    {
        var target = ArchivePaths.Follow(_links, ArchivePaths.EntryName(name, Format), Format);
        if (_documents.TryGetValue(target, out var data)) return data;
        if (!_blobs.TryGetValue(target, out var blob)) return null;
        if (blob.Size > maxSize) throw new ImageException($"{Format}: {name} is {blob.Size} bytes, more than the {maxSize} allowed");
        return await store.ReadAllAsync(blob.Digest, maxSize, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The digest and size of a file the archive put in the store, or null when it has none of that name.</summary>
    /// <exception cref="ImageException">The name leaves the archive.</exception>
    public (Digest Digest, long Size)? Blob(string name)
        => _blobs.TryGetValue(ArchivePaths.Follow(_links, ArchivePaths.EntryName(name, Format), Format), out var b) ? b : null;

    private async Task AddAsync(TarEntry entry, ContentStore store, CancellationToken cancellationToken)
    {
        // A PAX global header's name means nothing (tar writers put a temporary path there).
        if (entry.EntryType == TarEntryType.GlobalExtendedAttributes) return;
        var name = ArchivePaths.EntryName(entry.Name, Format);
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                break;
            case TarEntryType.SymbolicLink:
                _links[name] = ArchivePaths.SymlinkTarget(name, entry.LinkName, Format);
                break;
            case TarEntryType.HardLink:
                _links[name] = ArchivePaths.HardLinkTarget(name, entry.LinkName, Format);
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                if (entry.DataStream is null || IsLegacy(name)) break;
                if (name.StartsWith("blobs/sha256/", StringComparison.Ordinal) && Digest.TryParse("sha256:" + name[13..], out var named))
                {
                    // The name is the digest: the store refuses the blob unless its content matches it.
                    await store.WriteAsync(entry.DataStream, named, entry.Length, cancellationToken: cancellationToken).ConfigureAwait(false);
                    _blobs[name] = (named, entry.Length);
                }
                else if (IsDocument(name) && entry.Length <= MaxDocument)
                {
                    _documentBytes += entry.Length;
                    if (_documentBytes > MaxDocumentsTotal) throw new ImageException($"{Format}: its JSON documents add up to more than {MaxDocumentsTotal} bytes");
                    var data = new byte[entry.Length];
                    await entry.DataStream.ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
                    _documents[name] = data;
                }
                else
                {
                    var digest = await store.WriteAsync(entry.DataStream, expectedSize: entry.Length, cancellationToken: cancellationToken).ConfigureAwait(false);
                    _blobs[name] = (digest, entry.Length);
                }
                break;
            default:
                throw new ImageException($"{Format}: entry {name} is a {entry.EntryType}, which an image archive does not hold");
        }
    }

    private static bool IsDocument(string name) => name.EndsWith(".json", StringComparison.Ordinal) || name is "repositories" or "oci-layout";

    /// <summary>A docker-archive's per-layer <c>json</c> and <c>VERSION</c> (for loaders older than manifest.json): nothing here reads them.</summary>
    private static bool IsLegacy(string name) => name.EndsWith("/json", StringComparison.Ordinal) || name.EndsWith("/VERSION", StringComparison.Ordinal);
}
