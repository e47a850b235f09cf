using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Images.Tests.Registry;

/// <summary>
/// An image made in a test from real content: gzip layers (a busybox root file system, or files of random bytes),
/// an OCI config naming their diff ids, and an OCI manifest. It can go into a content store or an OCI image
/// layout (for skopeo to copy into a registry).
/// </summary>
internal sealed class TestImage
{
    private TestImage(Platform platform, IReadOnlyList<byte[]> tars)
    {
        Platform = platform;
        foreach (var tar in tars)
        {
            var gz = Gzip(tar);
            Layers.Add((new Descriptor(MediaTypes.OciLayerGzip, Digest.Of(gz), gz.Length), gz));
        }
        var config = new JsonObject
        {
            ["os"] = platform.Os,
            ["architecture"] = platform.Architecture,
            ["config"] = new JsonObject { ["Cmd"] = new JsonArray("sh") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(tars.Select(t => (JsonNode)Digest.Of(t).ToString()).ToArray()) },
        };
        if (platform.Variant is not null) config["variant"] = platform.Variant;
        ConfigBytes = Encoding.UTF8.GetBytes(config.ToJsonString());
        Config = new Descriptor(MediaTypes.OciConfig, Digest.Of(ConfigBytes), ConfigBytes.Length);
        ManifestBytes = ManifestWriter.Write(new ImageManifest(MediaTypes.OciManifest, Config, Layers.Select(l => l.Descriptor).ToList()));
        Manifest = new Descriptor(MediaTypes.OciManifest, Digest.Of(ManifestBytes), ManifestBytes.Length) { Platform = platform };
    }

    public Platform Platform { get; }

    public List<(Descriptor Descriptor, byte[] Data)> Layers { get; } = [];

    public Descriptor Config { get; }

    public byte[] ConfigBytes { get; }

    public Descriptor Manifest { get; }

    public byte[] ManifestBytes { get; }

    /// <summary>Every blob: layers, config, manifest.</summary>
    public IEnumerable<(Digest Digest, byte[] Data)> Blobs
        => Layers.Select(l => (l.Descriptor.Digest, l.Data)).Append((Config.Digest, ConfigBytes)).Append((Manifest.Digest, ManifestBytes));

    /// <summary>A busybox root file system, then <paramref name="randomLayers"/> layers of one file of <paramref name="randomSize"/> random bytes each.</summary>
    public static TestImage Busybox(Platform? platform = null, int randomLayers = 0, int randomSize = 4096)
        => new(platform ?? Platform.Default, [BusyboxRootfs.Tar, .. Enumerable.Range(0, randomLayers).Select(i => RandomTar($"data-{i}", randomSize))]);

    /// <summary>Only layers of random bytes (small images for many platforms).</summary>
    public static TestImage Random(Platform platform, int layers = 1, int size = 1024)
        => new(platform, Enumerable.Range(0, layers).Select(i => RandomTar($"data-{i}", size)).ToList());

    /// <summary>Puts the image's blobs into <paramref name="store"/> and names it <paramref name="reference"/>.</summary>
    public async Task AddToAsync(ImageStore store, ImageReference reference)
    {
        foreach (var (digest, data) in Blobs) await store.Content.WriteAsync(data, digest);
        store.Tag(reference, Manifest with { Platform = null });
    }

    /// <summary>An OCI index of <paramref name="images"/>, each entry with its platform.</summary>
    public static (Descriptor Descriptor, byte[] Bytes) Index(params TestImage[] images)
    {
        var bytes = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciIndex,
            ["manifests"] = new JsonArray(images.Select(i => (JsonNode)DescriptorJson(i.Manifest)).ToArray()),
        }.ToJsonString());
        return (new Descriptor(MediaTypes.OciIndex, Digest.Of(bytes), bytes.Length), bytes);
    }

    /// <summary>
    /// Writes an OCI image layout at <paramref name="directory"/> naming <paramref name="images"/> <paramref name="tag"/>:
    /// the manifest itself for one image, an index of their platforms for several. Returns the index, or null.
    /// </summary>
    public static (Descriptor Descriptor, byte[] Bytes)? WriteLayout(string directory, string tag, params TestImage[] images)
    {
        var blobs = Path.Combine(directory, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        foreach (var image in images)
        {
            foreach (var (digest, data) in image.Blobs) File.WriteAllBytes(Path.Combine(blobs, digest.Hex), data);
        }
        File.WriteAllText(Path.Combine(directory, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        (Descriptor, byte[])? index = null;
        JsonObject entry;
        if (images.Length == 1)
        {
            entry = DescriptorJson(images[0].Manifest with { Platform = null });
        }
        else
        {
            var (descriptor, bytes) = Index(images);
            File.WriteAllBytes(Path.Combine(blobs, descriptor.Digest.Hex), bytes);
            entry = DescriptorJson(descriptor);
            index = (descriptor, bytes);
        }
        entry["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag };
        File.WriteAllText(Path.Combine(directory, "index.json"), new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciIndex,
            ["manifests"] = new JsonArray(entry),
        }.ToJsonString());
        return index;
    }

    /// <summary>
    /// Copies the images to <c>REGISTRY/REPOSITORY:TAG</c> with skopeo (an index with every platform when there are
    /// several): seeding a registry with a tool that is not Berth. Returns the index, or null for one image.
    /// </summary>
    public static (Descriptor Descriptor, byte[] Bytes)? Seed(LocalRegistry registry, string repository, string tag, params TestImage[] images)
    {
        var layout = TestPaths.NewDirectory("layout");
        try
        {
            var index = WriteLayout(layout, tag, images);
            Tool.Run("skopeo", "copy", "--quiet", "--dest-tls-verify=false", "--preserve-digests", "--all", $"oci:{layout}:{tag}", $"docker://{registry.Host}/{repository}:{tag}");
            return index;
        }
        finally
        {
            TestPaths.DeleteDirectory(layout);
        }
    }

    private static JsonObject DescriptorJson(Descriptor d)
    {
        var json = new JsonObject { ["mediaType"] = d.MediaType, ["digest"] = d.Digest.ToString(), ["size"] = d.Size };
        if (d.Platform is { } p)
        {
            var platform = new JsonObject { ["architecture"] = p.Architecture, ["os"] = p.Os };
            if (p.Variant is not null) platform["variant"] = p.Variant;
            json["platform"] = platform;
        }
        return json;
    }

    private static byte[] RandomTar(string name, int size)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(RandomNumberGenerator.GetBytes(size)) };
            writer.WriteEntry(entry);
        }
        return tar.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) z.Write(data);
        return gz.ToArray();
    }
}
