using System.Globalization;
using System.Text;
using Berth.Linux;

namespace Berth.Images;

/// <summary>
/// Unpacked layers, one read-only directory per layer under <c>ROOT/HEX/fs</c>, named by the layer's chain id
/// (OCI image-spec: the layer and everything below it), so that every image and container that shares a stack of
/// layers shares the directories; overlayfs stacks them for each container. A layer is unpacked into a temporary
/// directory and renamed into place whole, so a snapshot that exists is complete; two processes that unpack the
/// same layer at once end with one copy.
/// </summary>
public sealed class SnapshotStore
{
    private const int AT_FDCWD = -100;
    private const string FsDir = "fs";
    private const string InfoFile = "snapshot.json";

    /// <summary>Uses (and creates when missing) the snapshots folder <paramref name="root"/>.</summary>
    public SnapshotStore(string root)
    {
        Root = Path.GetFullPath(root);
        // overlayfs' mount options separate lower directories with ':' and options with ','.
        if (Root.IndexOfAny([':', ',', '\\']) >= 0) throw new ImageException($"snapshot folder {Root}: a path with ':', ',' or '\\' cannot be given to overlayfs");
        Directory.CreateDirectory(Root);
    }

    /// <summary>The snapshots folder.</summary>
    public string Root { get; }

    /// <summary>The chain ids of a stack of layers given by their diff ids, bottom first (OCI image-spec, "ChainID").</summary>
    public static IReadOnlyList<Digest> ChainIds(IReadOnlyList<Digest> diffIds)
    {
        var chain = new List<Digest>(diffIds.Count);
        foreach (var diff in diffIds)
            chain.Add(chain.Count == 0 ? diff : Digest.Of(Encoding.ASCII.GetBytes($"{chain[^1]} {diff}")));
        return chain;
    }

    /// <summary>The directory holding snapshot <paramref name="chainId"/>'s files.</summary>
    public string PathOf(Digest chainId) => Path.Combine(Root, chainId.Hex, FsDir);

    /// <summary>Whether the snapshot is there.</summary>
    public bool Exists(Digest chainId) => Directory.Exists(PathOf(chainId));

    /// <summary>Every snapshot there.</summary>
    public IReadOnlyList<Digest> List()
        => Directory.EnumerateDirectories(Root)
            .Select(d => Digest.TryParse("sha256:" + Path.GetFileName(d), out var digest) ? digest : (Digest?)null)
            .OfType<Digest>()
            .ToList();

    /// <summary>The size of the uncompressed layer a snapshot was made from (0 if unknown).</summary>
    public long TarSizeOf(Digest chainId)
        => File.Exists(Path.Combine(Root, chainId.Hex, InfoFile))
           && long.TryParse(File.ReadAllText(Path.Combine(Root, chainId.Hex, InfoFile)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            ? size : 0;

    /// <summary>
    /// Removes a snapshot; false if it was not there. It is renamed away first, so it is never seen half-removed.
    /// Callers make sure no container uses it.
    /// </summary>
    public bool Delete(Digest chainId)
    {
        var dir = Path.Combine(Root, chainId.Hex);
        var trash = Path.Combine(Root, ".trash-" + OwnerTag());
        var errno = FilesAt.TryRename(AT_FDCWD, dir, AT_FDCWD, trash);
        if (errno == Errno.ENOENT) return false;
        if (errno != 0) throw new LinuxException("rename", errno, dir);
        Directory.Delete(trash, recursive: true);
        return true;
    }

    /// <summary>
    /// Removes what interrupted unpacks and deletes left behind: temporary folders whose process is gone (another
    /// process's unpack in progress is left alone).
    /// </summary>
    public void RemoveLeftovers()
    {
        foreach (var dir in Directory.EnumerateDirectories(Root, ".*"))
        {
            // .unpack-PID-STARTTIME-GUID or .trash-PID-STARTTIME-GUID
            var parts = Path.GetFileName(dir).Split('-');
            if (parts.Length == 4 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var start) && Processes.IsAlive(pid, start))
                continue;
            try { Directory.Delete(dir, recursive: true); }
            catch (DirectoryNotFoundException) { }
        }
    }

    /// <summary>A temporary folder's name part that says which process owns it: PID-STARTTIME-GUID.</summary>
    private static string OwnerTag()
    {
        var pid = Processes.GetPid();
        return $"{pid}-{Processes.StartTime(pid) ?? 0}-{Guid.NewGuid():N}";
    }

    /// <summary>
    /// Makes sure every layer of an image is unpacked, unpacking the missing ones (in parallel) from
    /// <paramref name="content"/>; returns the snapshot directories, bottom first. Each layer's uncompressed digest
    /// must be the config's diff id.
    /// </summary>
    /// <exception cref="ImageException">A layer is missing, of an unknown type, hostile, damaged, or not the one the config names.</exception>
    public async Task<IReadOnlyList<string>> PrepareAsync(ContentStore content, ImageManifest manifest, ImageConfig config,
        UnpackOptions? options = null, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(config);
        if (manifest.Layers.Count != config.DiffIds.Count)
            throw new ImageException($"image has {manifest.Layers.Count} layers but its config lists {config.DiffIds.Count} diff ids");
        if (manifest.Layers.Count == 0) throw new ImageException("image has no layers");
        var chain = ChainIds(config.DiffIds);
        var missing = Enumerable.Range(0, chain.Count).Where(i => !Exists(chain[i])).ToList();
        if (missing.Count == 0) return chain.Select(PathOf).ToList();
        await Parallel.ForEachAsync(missing, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            (i, ct) =>
            {
                Unpack(content, manifest.Layers[i], config.DiffIds[i], chain[i], options, ct);
                progress?.Report(manifest.Layers[i].Digest.ToString());
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
        return chain.Select(PathOf).ToList();
    }

    private void Unpack(ContentStore content, Descriptor layer, Digest diffId, Digest chainId, UnpackOptions? options, CancellationToken cancellationToken)
    {
        var compression = MediaTypes.CompressionOf(layer.MediaType)
            ?? throw new ImageException($"layer {layer.Digest}: media type {layer.MediaType} is not a layer Berth can unpack");
        var temp = Path.Combine(Root, ".unpack-" + OwnerTag());
        var fs = Path.Combine(temp, FsDir);
        Directory.CreateDirectory(fs);
        try
        {
            UnpackResult result;
            using (var tar = LayerStreams.Decompress(content.OpenRead(layer.Digest), compression))
                result = LayerUnpacker.Unpack(tar, fs, options, $"layer {layer.Digest}", cancellationToken);
            if (result.DiffId != diffId)
                throw new ImageException($"layer {layer.Digest}: it unpacks to {result.DiffId}, but the image config says {diffId}");
            File.WriteAllText(Path.Combine(temp, InfoFile), result.TarSize.ToString(CultureInfo.InvariantCulture) + "\n");
            var errno = FilesAt.TryRename(AT_FDCWD, temp, AT_FDCWD, Path.Combine(Root, chainId.Hex));
            // Someone else unpacked the same layer meanwhile: theirs is as good.
            if (errno is Errno.EEXIST or Errno.ENOTEMPTY) Directory.Delete(temp, recursive: true);
            else if (errno != 0) throw new LinuxException("rename", errno, temp);
        }
        catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException)
        {
            Directory.Delete(temp, recursive: true);
            throw new ImageException($"layer {layer.Digest}: damaged compressed data: {e.Message}", e);
        }
        catch
        {
            Directory.Delete(temp, recursive: true);
            throw;
        }
    }
}
