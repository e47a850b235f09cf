using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Berth.Images;

/// <summary>
/// Writes images as a docker-archive (what <c>docker load</c> reads): the config as <c>HEX.json</c>, each layer as an
/// uncompressed tar <c>ID/layer.tar</c> (with the <c>ID/VERSION</c> and <c>ID/json</c> of loaders older than
/// <c>manifest.json</c>; the ID is the layer's chain ID, so a folder always means the same stack), <c>manifest.json</c>
/// with each image's <c>Config</c>, <c>RepoTags</c> and <c>Layers</c>, and the legacy <c>repositories</c> file.
/// Compressed layers are decompressed on the way, and what comes out must be the config's <c>rootfs.diff_ids</c>
/// entry. The same images give the same bytes (entries in name order, fixed times and owners); layers are streamed,
/// never held in memory.
/// </summary>
/// <remarks>
/// A layer tar's size goes in its header before its data, so a compressed layer is decompressed twice: once to learn
/// its size and check its diff_id (before anything is written), once to write it. A docker-archive holds one platform
/// per image: an index is resolved to its manifest for <c>platform</c>.
/// </remarks>
public static class DockerArchiveWriter
{
    /// <summary>
    /// Writes <paramref name="images"/> (each a name and the manifest or index it names) to <paramref name="output"/>,
    /// which the caller owns. Names of the same image become one <c>manifest.json</c> entry with several
    /// <c>RepoTags</c>, written in Docker's short form (<c>busybox:latest</c>).
    /// </summary>
    /// <exception cref="ImageException">
    /// A blob is missing or damaged, an index has no manifest for <paramref name="platform"/>, a layer is of a type
    /// Berth cannot decompress, or a layer does not match its diff_id; found before anything is written, except a blob
    /// damaged on disk, found as it is written.
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="images"/> is empty.</exception>
    public static async Task WriteAsync(Stream output, ImageStore store, IReadOnlyList<(ImageReference Reference, Descriptor Target)> images,
        Platform? platform = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(store);
        var content = store.Content;
        var entries = ImageExport.Distinct(images);
        var manifests = new List<(string Config, List<string> Tags, List<string> Layers)>();
        var files = new SortedDictionary<string, Func<ArchiveTarWriter, Task>>(StringComparer.Ordinal);
        var repositories = new SortedDictionary<string, SortedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var group in entries.GroupBy(e => e.Target.Digest))
        {
            var manifest = await ManifestForAsync(content, group.First().Target, platform ?? Platform.Host, cancellationToken).ConfigureAwait(false);
            var configBytes = await content.ReadAllAsync(manifest.Config.Digest, ImageConfigReader.MaxSize, cancellationToken).ConfigureAwait(false);
            var config = ImageConfigReader.Read(configBytes);
            if (config.DiffIds.Count != manifest.Layers.Count)
                throw new ImageException($"image {group.First().Reference.Familiar}: its config lists {config.DiffIds.Count} diff_ids for {manifest.Layers.Count} layers");
            var configName = manifest.Config.Digest.Hex + ".json";
            files[configName] = w => w.WriteFileAsync(configName, configBytes, cancellationToken);
            var layerNames = new List<string>();
            string? parent = null;
            for (var i = 0; i < manifest.Layers.Count; i++)
            {
                var id = ChainId(parent, config.DiffIds[i]);
                if (!files.ContainsKey(id + "/layer.tar"))
                    await AddLayerAsync(content, manifest.Layers[i], config.DiffIds[i], id, parent, files, cancellationToken).ConfigureAwait(false);
                layerNames.Add(id + "/layer.tar");
                parent = id;
            }
            var tags = group.Where(e => e.Reference.Tag is not null).Select(e => e.Reference.WithTag(e.Reference.Tag!).Familiar).ToList();
            foreach (var (reference, _) in group.Where(e => e.Reference.Tag is not null))
            {
                var repository = reference.WithTag(reference.Tag!).Familiar[..^(reference.Tag!.Length + 1)];
                if (!repositories.TryGetValue(repository, out var byTag)) repositories[repository] = byTag = new(StringComparer.Ordinal);
                byTag[reference.Tag!] = parent ?? manifest.Config.Digest.Hex;
            }
            manifests.Add((configName, tags, layerNames));
        }
        var manifestJson = ManifestJson(manifests);
        files["manifest.json"] = w => w.WriteFileAsync("manifest.json", manifestJson, cancellationToken);
        var repositoriesJson = RepositoriesJson(repositories);
        files["repositories"] = w => w.WriteFileAsync("repositories", repositoriesJson, cancellationToken);

        await using var tar = new ArchiveTarWriter(output);
        foreach (var write in files.Values) await write(tar).ConfigureAwait(false);
    }

    private static async Task<ImageManifest> ManifestForAsync(ContentStore store, Descriptor target, Platform platform, CancellationToken cancellationToken)
    {
        for (var depth = 0; depth < 4; depth++)
        {
            switch (await ImageExport.ReadAsync(store, target, cancellationToken).ConfigureAwait(false))
            {
                case ImageManifest manifest:
                    return manifest;
                case ImageIndex index:
                    target = index.Select(platform);
                    break;
            }
        }
        throw new ImageException($"index {target.Digest}: indexes nested too deep");
    }

    /// <summary>
    /// Plans a layer's entries: its uncompressed tar must hash to <paramref name="diffId"/>, which a compressed layer
    /// is decompressed once here to check (and to learn its size); an uncompressed one is its own diff_id.
    /// </summary>
    private static async Task AddLayerAsync(ContentStore store, Descriptor layer, Digest diffId, string id, string? parent,
        SortedDictionary<string, Func<ArchiveTarWriter, Task>> files, CancellationToken cancellationToken)
    {
        var compression = MediaTypes.CompressionOf(layer.MediaType)
            ?? throw new ImageException($"layer {layer.Digest}: media type {layer.MediaType} is not a layer Berth can decompress");
        if (!store.Exists(layer.Digest)) throw new ImageException($"cannot write the image: blob {layer.Digest} ({layer.MediaType}) is not in the store");
        long size;
        if (compression == LayerCompression.None)
        {
            if (layer.Digest != diffId) throw new ImageException($"layer {layer.Digest} is not the diff_id {diffId} its config gives");
            size = layer.Size;
        }
        else
        {
            (size, var digest) = await MeasureAsync(store, layer, compression, cancellationToken).ConfigureAwait(false);
            if (digest != diffId) throw new ImageException($"layer {layer.Digest} decompresses to {digest}, not the diff_id {diffId} its config gives");
        }
        files[id] = w => w.WriteDirectoryAsync(id, cancellationToken);
        files[id + "/VERSION"] = w => w.WriteFileAsync(id + "/VERSION", "1.0"u8.ToArray(), cancellationToken);
        files[id + "/json"] = w => w.WriteFileAsync(id + "/json", LegacyJson(id, parent), cancellationToken);
        files[id + "/layer.tar"] = async w =>
        {
            await using var data = new CheckedLengthStream(LayerStreams.Decompress(ImageExport.Open(store, layer), compression), size, diffId, $"layer {layer.Digest} (uncompressed)");
            await w.WriteFileAsync(id + "/layer.tar", data, size, cancellationToken).ConfigureAwait(false);
        };
    }

    private static async Task<(long Size, Digest Digest)> MeasureAsync(ContentStore store, Descriptor layer, LayerCompression compression, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var data = LayerStreams.Decompress(ImageExport.Open(store, layer), compression);
        var buffer = new byte[128 * 1024];
        long size = 0;
        int n;
        try
        {
            while ((n = await data.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                size += n;
            }
        }
        catch (Exception e) when (TarDamage.IsDamage(e))
        {
            throw new ImageException($"layer {layer.Digest} does not decompress: {e.Message}", e);
        }
        return (size, Digest.FromHash(hash.GetHashAndReset()));
    }

    /// <summary>The chain ID of a layer on top of <paramref name="parent"/> (OCI image spec, config.md: layer ChainID).</summary>
    private static string ChainId(string? parent, Digest diffId)
        => parent is null ? diffId.Hex : Digest.Of(Encoding.ASCII.GetBytes($"sha256:{parent} {diffId}")).Hex;

    private static byte[] LegacyJson(string id, string? parent)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            if (parent is not null) w.WriteString("parent", parent);
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    private static byte[] ManifestJson(List<(string Config, List<string> Tags, List<string> Layers)> manifests)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartArray();
            foreach (var (config, tags, layers) in manifests)
            {
                w.WriteStartObject();
                w.WriteString("Config", config);
                w.WriteStartArray("RepoTags");
                foreach (var t in tags) w.WriteStringValue(t);
                w.WriteEndArray();
                w.WriteStartArray("Layers");
                foreach (var l in layers) w.WriteStringValue(l);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return ms.ToArray();
    }

    private static byte[] RepositoriesJson(SortedDictionary<string, SortedDictionary<string, string>> repositories)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            foreach (var (repository, tags) in repositories)
            {
                w.WriteStartObject(repository);
                foreach (var (tag, id) in tags) w.WriteString(tag, id);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return ms.ToArray();
    }
}
