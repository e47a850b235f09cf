using System.Text.Json;

namespace Berth.Images;

/// <summary>Writes an OCI image manifest (for images Berth assembles itself, such as those of a docker-archive).</summary>
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

    private static void WriteDescriptor(Utf8JsonWriter w, Descriptor d)
    {
        w.WriteStartObject();
        w.WriteString("mediaType", d.MediaType);
        w.WriteString("digest", d.Digest.ToString());
        w.WriteNumber("size", d.Size);
        if (d.Annotations.Count > 0)
        {
            w.WriteStartObject("annotations");
            foreach (var (k, v) in d.Annotations) w.WriteString(k, v);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}
