namespace Berth.Images;

/// <summary>
/// Blobs by digest under <c>ROOT/blobs/sha256/HEX</c>, as in an OCI image layout. A blob is written to
/// <c>ROOT/ingest/</c> while its sha256 is computed, and renamed into place only once its size and digest are what
/// the caller expected: a blob in the store is always whole and always matches its name, and a failed or refused
/// write leaves nothing behind. Writing a blob that is already there keeps the one there (dedup).
/// </summary>
public sealed class ContentStore
{
    private const int BufferSize = 128 * 1024;

    /// <summary>Uses (and creates when missing) the store at <paramref name="root"/>.</summary>
    public ContentStore(string root)
    {
        Root = System.IO.Path.GetFullPath(root);
        Directory.CreateDirectory(BlobDir);
        Directory.CreateDirectory(IngestDir);
    }

    /// <summary>The store's folder.</summary>
    public string Root { get; }

    private string BlobDir => System.IO.Path.Combine(Root, "blobs", "sha256");

    private string IngestDir => System.IO.Path.Combine(Root, "ingest");

    /// <summary>Where the blob <paramref name="digest"/> is (or would be) kept.</summary>
    public string PathOf(Digest digest) => System.IO.Path.Combine(BlobDir, digest.Hex);

    /// <summary>Whether the store holds <paramref name="digest"/>.</summary>
    public bool Exists(Digest digest) => File.Exists(PathOf(digest));

    /// <summary>The size of a blob the store holds.</summary>
    /// <exception cref="ImageException">It does not hold it.</exception>
    public long SizeOf(Digest digest)
    {
        var info = new FileInfo(PathOf(digest));
        return info.Exists ? info.Length : throw Missing(digest);
    }

    /// <summary>Opens a blob for reading.</summary>
    /// <exception cref="ImageException">The store does not hold it.</exception>
    public Stream OpenRead(Digest digest)
    {
        try
        {
            return new FileStream(PathOf(digest), FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        }
        catch (FileNotFoundException e)
        {
            throw new ImageException(Missing(digest).Message, e);
        }
    }

    /// <summary>Every blob the store holds.</summary>
    public IReadOnlyList<Digest> List()
        => Directory.EnumerateFiles(BlobDir)
            .Select(f => Digest.TryParse("sha256:" + System.IO.Path.GetFileName(f), out var d) ? d : (Digest?)null)
            .OfType<Digest>()
            .ToList();

    /// <summary>Removes a blob; false when the store did not hold it.</summary>
    public bool Delete(Digest digest)
    {
        var path = PathOf(digest);
        if (!File.Exists(path)) return false;
        File.Delete(path);
        return true;
    }

    /// <summary>
    /// Starts a blob that the caller pushes bytes into, with the same checks as
    /// <see cref="WriteAsync(Stream, Digest?, long?, long, IProgress{long}?, CancellationToken)"/>; the caller commits
    /// it (<see cref="BlobWriteStream.CommitAsync"/>) or disposes it to abandon it.
    /// </summary>
    /// <exception cref="ImageException"><paramref name="expectedSize"/> is negative.</exception>
    public BlobWriteStream OpenWrite(Digest? expected = null, long? expectedSize = null, long maxSize = long.MaxValue)
        => new(this, System.IO.Path.Combine(IngestDir, $"{Environment.ProcessId}-{Guid.NewGuid():N}"), expected, expectedSize, maxSize);

    /// <summary>
    /// Writes the blob read from <paramref name="source"/> to the end. With <paramref name="expected"/> and
    /// <paramref name="expectedSize"/> (each optional) the blob must match them: reading stops as soon as it is
    /// longer than expected, and a blob that is shorter or hashes otherwise is refused. <paramref name="maxSize"/>
    /// bounds a blob of unknown size. <paramref name="progress"/> hears the bytes written so far.
    /// </summary>
    /// <returns>The blob's digest (kept, or already there).</returns>
    /// <exception cref="ImageException">The blob is not what was expected, or larger than allowed; nothing is kept.</exception>
    public async Task<Digest> WriteAsync(Stream source, Digest? expected = null, long? expectedSize = null,
        long maxSize = long.MaxValue, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        await using var writer = OpenWrite(expected, expectedSize, maxSize);
        var buffer = new byte[BufferSize];
        int n;
        while ((n = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await writer.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            progress?.Report(writer.Written);
        }
        return await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a blob held in memory (a manifest, a config).</summary>
    public Task<Digest> WriteAsync(ReadOnlyMemory<byte> data, Digest? expected = null, CancellationToken cancellationToken = default)
        => WriteAsync(new MemoryStream(data.ToArray(), writable: false), expected, data.Length, cancellationToken: cancellationToken);

    /// <summary>Reads a whole blob into memory (for small ones: manifests, configs), checking it against its digest.</summary>
    /// <exception cref="ImageException">The store does not hold it, or it is larger than <paramref name="maxSize"/>, or its content no longer matches its digest.</exception>
    public async Task<byte[]> ReadAllAsync(Digest digest, long maxSize = 4 << 20, CancellationToken cancellationToken = default)
    {
        await using var stream = OpenRead(digest);
        if (stream.Length > maxSize) throw new ImageException($"blob {digest} is {stream.Length} bytes, more than the {maxSize} allowed here");
        var data = new byte[stream.Length];
        await stream.ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
        if (Digest.Of(data) != digest) throw new ImageException($"blob {digest} in {Root} is damaged: its content no longer matches its digest");
        return data;
    }

    private ImageException Missing(Digest digest) => new($"blob {digest} is not in the store at {Root}");
}
