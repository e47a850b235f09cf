using System.Text.Json;

namespace Berth.Images;

/// <summary>
/// Reads manifests and indexes, OCI and Docker schema 2, refusing what is malformed or unsupported with a message
/// that names the field: they come from registries and archives, so nothing in them is trusted.
/// </summary>
public static class ManifestReader
{
    /// <summary>The largest manifest or index read (the distribution spec's registries cap them at 4 MiB).</summary>
    public const int MaxSize = 4 << 20;

    /// <summary>
    /// Reads a manifest or an index. <paramref name="mediaType"/> is the type the document was served or described
    /// with, if known; the document's own <c>mediaType</c> must agree with it.
    /// </summary>
    /// <returns>An <see cref="ImageManifest"/> or an <see cref="ImageIndex"/>.</returns>
    /// <exception cref="ImageException">Malformed, unsupported, or not what it was said to be.</exception>
    public static object Read(ReadOnlyMemory<byte> json, string? mediaType = null)
    {
        if (json.Length > MaxSize) throw new ImageException($"manifest: {json.Length} bytes, more than the {MaxSize} allowed");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new ImageException($"manifest: not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            try
            {
                return Read(doc.RootElement, mediaType);
            }
            catch (InvalidOperationException e)
            {
                // A string that is not valid UTF-8 (JsonDocument checks them only when they are read).
                throw new ImageException($"manifest: {e.Message}", e);
            }
        }
    }

    private static object Read(JsonElement root, string? mediaType)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new ImageException("manifest: expected a JSON object");
        if (!root.TryGetProperty("schemaVersion", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var v) || v != 2)
            throw new ImageException("manifest: schemaVersion must be 2 (Docker schema 1 manifests are not supported)");
        var own = OptionalString(root, "mediaType", "manifest");
        if (own is not null && mediaType is not null && own != mediaType)
            throw new ImageException($"manifest: its mediaType {own} is not the {mediaType} it was served as");
        var type = own ?? mediaType ?? (root.TryGetProperty("manifests", out _) ? MediaTypes.OciIndex : MediaTypes.OciManifest);
        if (MediaTypes.IsIndex(type))
            return new ImageIndex(type, Descriptors(root, "manifests", required: true));
        if (!MediaTypes.IsManifest(type))
            throw new ImageException($"manifest: media type {type} is neither an image manifest nor an index");
        if (!root.TryGetProperty("config", out var config)) throw new ImageException("manifest: config is missing");
        var layers = Descriptors(root, "layers", required: true);
        foreach (var (layer, i) in layers.Select((l, i) => (l, i)))
        {
            if (MediaTypes.CompressionOf(layer.MediaType) is null)
                throw new ImageException($"manifest: layers[{i}]: media type {layer.MediaType} is not a layer Berth can unpack");
        }
        return new ImageManifest(type, ReadDescriptor(config, "manifest.config"), layers);
    }

    private static List<Descriptor> Descriptors(JsonElement root, string name, bool required)
    {
        if (!root.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
            return required ? throw new ImageException($"manifest: {name} is missing") : [];
        if (array.ValueKind != JsonValueKind.Array) throw new ImageException($"manifest: {name} is not an array");
        var list = new List<Descriptor>();
        var i = 0;
        foreach (var item in array.EnumerateArray()) list.Add(ReadDescriptor(item, $"manifest.{name}[{i++}]"));
        return list;
    }

    private static Descriptor ReadDescriptor(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new ImageException($"{where}: expected an object");
        var mediaType = OptionalString(e, "mediaType", where) ?? throw new ImageException($"{where}: mediaType is missing");
        var digestText = OptionalString(e, "digest", where) ?? throw new ImageException($"{where}: digest is missing");
        if (!Digest.TryParse(digestText, out var digest)) throw new ImageException($"{where}: digest \"{digestText}\" is not a sha256 digest");
        if (!e.TryGetProperty("size", out var sizeElement) || sizeElement.ValueKind != JsonValueKind.Number || !sizeElement.TryGetInt64(out var size) || size < 0)
            throw new ImageException($"{where}: size must be a whole number of bytes, 0 or more");
        Platform? platform = null;
        if (e.TryGetProperty("platform", out var p) && p.ValueKind != JsonValueKind.Null)
        {
            if (p.ValueKind != JsonValueKind.Object) throw new ImageException($"{where}.platform: expected an object");
            var os = OptionalString(p, "os", where + ".platform");
            var arch = OptionalString(p, "architecture", where + ".platform");
            if (string.IsNullOrEmpty(os) || string.IsNullOrEmpty(arch)) throw new ImageException($"{where}.platform: os and architecture are required");
            platform = new Platform(os, arch, OptionalString(p, "variant", where + ".platform"));
        }
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (e.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object)
        {
            foreach (var prop in a.EnumerateObject())
            {
                if (prop.Value.ValueKind != JsonValueKind.String) throw new ImageException($"{where}.annotations.{prop.Name}: expected a string");
                annotations[prop.Name] = prop.Value.GetString()!;
            }
        }
        var urls = new List<string>();
        if (e.TryGetProperty("urls", out var u) && u.ValueKind == JsonValueKind.Array)
        {
            foreach (var url in u.EnumerateArray())
                urls.Add(url.ValueKind == JsonValueKind.String ? url.GetString()! : throw new ImageException($"{where}.urls: expected strings"));
        }
        return new Descriptor(mediaType, digest, size) { Platform = platform, Annotations = annotations, Urls = urls };
    }

    private static string? OptionalString(JsonElement obj, string name, string where)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new ImageException($"{where}: {name} must be a string");
    }
}
