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
    private const int MaxEntries = 100_000;
    private const int MaxDocument = 8 << 20;

    /// <summary>Imports the archive read from <paramref name="archive"/>; returns its images in <c>manifest.json</c> order.</summary>
    /// <exception cref="ImageException">Not a docker-archive, or hostile or inconsistent: the message says what.</exception>
    public static async Task<IReadOnlyList<ArchiveImage>> ImportAsync(Stream archive, ContentStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var documents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var blobs = new Dictionary<string, (Digest Digest, long Size)>(StringComparer.Ordinal);
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var reader = new TarReader(archive, leaveOpen: true);
            var count = 0;
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                if (++count > MaxEntries) throw new ImageException($"docker-archive: more than {MaxEntries} entries");
                var name = EntryName(entry.Name);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        break;
                    case TarEntryType.SymbolicLink:
                        links[name] = Resolve(name, entry.LinkName);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        if (entry.DataStream is null) break;
                        if (IsDocument(name) && entry.Length <= MaxDocument)
                        {
                            using var ms = new MemoryStream();
                            await entry.DataStream.CopyToAsync(ms, cancellationToken).ConfigureAwait(false);
                            documents[name] = ms.ToArray();
                        }
                        else
                        {
                            var digest = await store.WriteAsync(entry.DataStream, expectedSize: entry.Length, cancellationToken: cancellationToken).ConfigureAwait(false);
                            blobs[name] = (digest, entry.Length);
                        }
                        break;
                    default:
                        throw new ImageException($"docker-archive: entry {name} is a {entry.EntryType}, which an image archive does not hold");
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new ImageException($"docker-archive: damaged or truncated tar: {e.Message}", e);
        }

        var manifestJson = Document(documents, links, "manifest.json") ?? throw new ImageException("docker-archive: it has no manifest.json (is it a docker save archive?)");
        var images = new List<ArchiveImage>();
        foreach (var (config, tags, layers) in ParseManifest(manifestJson))
        {
            var configBytes = Document(documents, links, config) ?? throw new ImageException($"docker-archive: config {config} is missing");
            var configDigest = await store.WriteAsync(configBytes, NamedDigest(config), cancellationToken).ConfigureAwait(false);
            var imageConfig = ImageConfigReader.Read(configBytes);
            var descriptors = new List<Descriptor>();
            foreach (var layer in layers)
            {
                var (digest, size) = Blob(blobs, links, layer) ?? throw new ImageException($"docker-archive: layer {layer} is missing");
                descriptors.Add(new Descriptor(MediaTypes.OciLayer, digest, size));
            }
            if (!imageConfig.DiffIds.SequenceEqual(descriptors.Select(d => d.Digest)))
                throw new ImageException($"docker-archive: the layers of {config} do not match its rootfs.diff_ids");
            var manifest = new ImageManifest(MediaTypes.OciManifest, new Descriptor(MediaTypes.OciConfig, configDigest, configBytes.Length), descriptors);
            var manifestBytes = ManifestWriter.Write(manifest);
            var manifestDigest = await store.WriteAsync(manifestBytes, cancellationToken: cancellationToken).ConfigureAwait(false);
            images.Add(new ArchiveImage(tags, new Descriptor(MediaTypes.OciManifest, manifestDigest, manifestBytes.Length), manifest));
        }
        return images;
    }

    /// <summary>An entry name made relative and checked: no absolute path, no <c>..</c>.</summary>
    private static string EntryName(string raw)
    {
        var name = raw.StartsWith("./", StringComparison.Ordinal) ? raw[2..] : raw;
        name = name.TrimEnd('/');
        if (name.StartsWith('/') || name.Split('/').Any(p => p == ".."))
            throw new ImageException($"docker-archive: entry \"{raw}\" points outside the archive");
        return name;
    }

    /// <summary>A symlink's target as an entry name, refused if it leaves the archive.</summary>
    private static string Resolve(string name, string target)
    {
        if (target.StartsWith('/')) throw new ImageException($"docker-archive: link {name} points outside the archive ({target})");
        var parts = new List<string>(name.Split('/')[..^1]);
        foreach (var p in target.Split('/'))
        {
            if (p is "" or ".") continue;
            if (p == "..")
            {
                if (parts.Count == 0) throw new ImageException($"docker-archive: link {name} points outside the archive ({target})");
                parts.RemoveAt(parts.Count - 1);
            }
            else
            {
                parts.Add(p);
            }
        }
        return string.Join('/', parts);
    }

    private static bool IsDocument(string name) => name.EndsWith(".json", StringComparison.Ordinal) || name == "repositories";

    private static string Follow(Dictionary<string, string> links, string name)
    {
        for (var hops = 0; links.TryGetValue(name, out var target); hops++)
        {
            if (hops > 16) throw new ImageException($"docker-archive: links loop at {name}");
            name = target;
        }
        return name;
    }

    private static byte[]? Document(Dictionary<string, byte[]> documents, Dictionary<string, string> links, string name)
        => documents.GetValueOrDefault(Follow(links, EntryName(name)));

    private static (Digest, long)? Blob(Dictionary<string, (Digest, long)> blobs, Dictionary<string, string> links, string name)
        => blobs.TryGetValue(Follow(links, EntryName(name)), out var b) ? b : null;

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
