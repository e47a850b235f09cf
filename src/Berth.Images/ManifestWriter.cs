using System.Text.Json;

namespace Berth.Images;

/// <summary>Writes OCI image manifests and indexes (for images and archives Berth assembles itself, such as those of a docker-archive).</summary>
public static class ManifestWriter
{
    /// <summary>The manifest's JSON, as it will be stored and digested.</summary>
    public static byte[] Write(ImageManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", 2);
            w.WriteString("mediaType", manifest.MediaType);
            w.WritePropertyName("config");
            WriteDescriptor(w, manifest.Config);
            w.WriteStartArray("layers");
            foreach (var layer in manifest.Layers) WriteDescriptor(w, layer);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    /// <summary>The index's JSON, as it will be stored or written into an archive (<c>index.json</c>).</summary>
    public static byte[] Write(ImageIndex index)
    {
        ArgumentNullException.ThrowIfNull(index);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", 2);
            w.WriteString("mediaType", index.MediaType);
            w.WriteStartArray("manifests");
            foreach (var manifest in index.Manifests) WriteDescriptor(w, manifest);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    private static void WriteDescriptor(Utf8JsonWriter w, Descriptor d)
    {
        w.WriteStartObject();
        w.WriteString("mediaType", d.MediaType);
        w.WriteString("digest", d.Digest.ToString());
        w.WriteNumber("size", d.Size);
        if (d.Platform is { } p)
        {
            w.WriteStartObject("platform");
            w.WriteString("architecture", p.Architecture);
            w.WriteString("os", p.Os);
            if (p.Variant is { } variant) w.WriteString("variant", variant);
            w.WriteEndObject();
        }
        if (d.Annotations.Count > 0)
        {
            w.WriteStartObject("annotations");
            foreach (var (k, v) in d.Annotations) w.WriteString(k, v);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}
