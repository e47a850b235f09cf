using System.Formats.Tar;
using System.Text.Json;

namespace Berth.Images;

/// <summary>
/// Reads a docker-archive (what <c>docker save</c> writes) into the content store. The archive is read once, as a
/// stream: layer tars go straight into the store (their digest is computed on the way), the small JSON documents
/// are kept in memory, and then <c>manifest.json</c> says which config and layers make each image. Each image gets
/// an OCI manifest of its own in the store, whose layers are the archive's uncompressed tars; a config whose
/// <c>rootfs.diff_ids</c> do not match those tars is refused.
/// </summary>
public static class DockerArchiveReader
{
    private const string Format = "docker-archive";

    /// <summary>Imports the archive read from <paramref name="archive"/>; returns its images in <c>manifest.json</c> order.</summary>
    /// <exception cref="ImageException">Not a docker-archive, or hostile or inconsistent: the message says what.</exception>
    public static async Task<IReadOnlyList<ArchiveImage>> ImportAsync(Stream archive, ContentStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var contents = await ArchiveContents.ReadAsync(new TarReader(archive, leaveOpen: true), null, 0, store, Format, cancellationToken).ConfigureAwait(false);
        return await ImportAsync(contents, store, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The images of an archive already read: <c>manifest.json</c> says which config and layers make each.</summary>
    internal static async Task<IReadOnlyList<ArchiveImage>> ImportAsync(ArchiveContents contents, ContentStore store, CancellationToken cancellationToken)
    {
        var manifestJson = await contents.DocumentAsync("manifest.json", store, ManifestReader.MaxSize, cancellationToken).ConfigureAwait(false)
            ?? throw new ImageException($"{contents.Format}: it has no manifest.json (is it a docker save archive?)");
        var images = new List<ArchiveImage>();
        foreach (var (config, tags, layers) in ParseManifest(manifestJson))
        {
            var configBytes = await contents.DocumentAsync(config, store, ImageConfigReader.MaxSize, cancellationToken).ConfigureAwait(false)
                ?? throw new ImageException($"{contents.Format}: config {config} is missing");
            var configDigest = await store.WriteAsync(configBytes, NamedDigest(config), cancellationToken).ConfigureAwait(false);
            var imageConfig = ImageConfigReader.Read(configBytes);
            var descriptors = new List<Descriptor>();
            foreach (var layer in layers)
            {
                var (digest, size) = contents.Blob(layer) ?? throw new ImageException($"{contents.Format}: layer {layer} is missing");
                descriptors.Add(new Descriptor(MediaTypes.OciLayer, digest, size));
            }
            if (!imageConfig.DiffIds.SequenceEqual(descriptors.Select(d => d.Digest)))
                throw new ImageException($"{contents.Format}: the layers of {config} do not match its rootfs.diff_ids");
            var manifest = new ImageManifest(MediaTypes.OciManifest, new Descriptor(MediaTypes.OciConfig, configDigest, configBytes.Length), descriptors);
            var manifestBytes = ManifestWriter.Write(manifest);
            var manifestDigest = await store.WriteAsync(manifestBytes, cancellationToken: cancellationToken).ConfigureAwait(false);
            images.Add(new ArchiveImage(tags, new Descriptor(MediaTypes.OciManifest, manifestDigest, manifestBytes.Length), manifest));
        }
        return images;
    }

    /// <summary>The digest a config's file name promises (<c>HEX.json</c> or <c>blobs/sha256/HEX</c>), if it does.</summary>
    private static Digest? NamedDigest(string name)
    {
        var file = name.Split('/')[^1];
        if (file.EndsWith(".json", StringComparison.Ordinal)) file = file[..^5];
        return Digest.TryParse("sha256:" + file, out var d) ? d : null;
    }

    private static List<(string Config, IReadOnlyList<string> Tags, IReadOnlyList<string> Layers)> ParseManifest(byte[] json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new ImageException("docker-archive: manifest.json is not an array");
            var list = new List<(string, IReadOnlyList<string>, IReadOnlyList<string>)>();
            var i = 0;
            foreach (var item in doc.RootElement.EnumerateArray())
            {
                var where = $"docker-archive: manifest.json[{i++}]";
                if (item.ValueKind != JsonValueKind.Object) throw new ImageException($"{where}: expected an object");
                var config = item.TryGetProperty("Config", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : throw new ImageException($"{where}: Config is missing");
                list.Add((config, Strings(item, "RepoTags", where), Strings(item, "Layers", where)));
            }
            return list;
        }
        catch (JsonException e)
        {
            throw new ImageException($"docker-archive: manifest.json is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new ImageException($"docker-archive: manifest.json: {e.Message}", e);
        }
    }

    private static List<string> Strings(JsonElement obj, string name, string where)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return [];
        if (v.ValueKind != JsonValueKind.Array) throw new ImageException($"{where}: {name} must be an array of strings");
        return v.EnumerateArray().Select(s => s.ValueKind == JsonValueKind.String ? s.GetString()! : throw new ImageException($"{where}: {name} must be an array of strings")).ToList();
    }
}
