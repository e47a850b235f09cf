using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Images.Tests;

public sealed class OciLayoutReaderTests : IDisposable
{
    private readonly string _dir = TestPaths.NewDirectory("layout");
    private readonly string _storeDir = TestPaths.NewDirectory("store");
    private readonly ContentStore _store;

    public OciLayoutReaderTests() => _store = new ContentStore(_storeDir);

    public void Dispose()
    {
        TestPaths.DeleteDirectory(_dir);
        TestPaths.DeleteDirectory(_storeDir);
    }

    /// <summary>Writes a blob into the layout; returns its descriptor.</summary>
    private JsonObject Blob(string mediaType, byte[] data)
    {
        var digest = Digest.Of(data);
        Directory.CreateDirectory(Path.Join(_dir, "blobs", "sha256"));
        File.WriteAllBytes(Path.Join(_dir, "blobs", "sha256", digest.Hex), data);
        return new JsonObject { ["mediaType"] = mediaType, ["digest"] = digest.ToString(), ["size"] = data.Length };
    }

    /// <summary>A busybox image: one gzip layer of a real busybox root file system, its config and manifest.</summary>
    private JsonObject BusyboxManifest(out byte[] layer)
    {
        var rootfs = TestPaths.NewDirectory("rootfs");
        try
        {
            BusyboxRootfs.CreateAt(rootfs);
            using var tar = new MemoryStream();
            TarFile.CreateFromDirectory(rootfs, tar, includeBaseDirectory: false);
            using var gz = new MemoryStream();
            using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) z.Write(tar.ToArray());
            layer = gz.ToArray();
            var config = new JsonObject
            {
                ["os"] = "linux", ["architecture"] = "amd64",
                ["config"] = new JsonObject { ["Cmd"] = new JsonArray("sh") },
                ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(Digest.Of(tar.ToArray()).ToString()) },
            };
            return new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = MediaTypes.OciManifest,
                ["config"] = Blob(MediaTypes.OciConfig, Encoding.UTF8.GetBytes(config.ToJsonString())),
                ["layers"] = new JsonArray(Blob(MediaTypes.OciLayerGzip, layer)),
            };
        }
        finally
        {
            TestPaths.DeleteDirectory(rootfs);
        }
    }

    private void WriteLayout(params JsonObject[] indexEntries)
    {
        File.WriteAllText(Path.Join(_dir, "oci-layout"), "{\"imageLayoutVersion\": \"1.0.0\"}");
        File.WriteAllText(Path.Join(_dir, "index.json"), new JsonObject
        {
            ["schemaVersion"] = 2, ["mediaType"] = MediaTypes.OciIndex, ["manifests"] = new JsonArray(indexEntries),
        }.ToJsonString());
    }

    private JsonObject Entry(JsonObject manifest, string? refName, string mediaType = MediaTypes.OciManifest)
    {
        var entry = Blob(mediaType, Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        if (refName is not null) entry["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = refName };
        return entry;
    }

    [Fact]
    public async Task ImportAsync_BusyboxLayout_EveryBlobInTheStoreVerified()
    {
        var manifest = BusyboxManifest(out var layer);
        WriteLayout(Entry(manifest, "busybox:latest"));

        var images = await OciLayoutReader.ImportAsync(_dir, _store);

        var image = Assert.Single(images);
        Assert.Equal("busybox:latest", image.RefName);
        Assert.Equal(3, _store.List().Count);
        Assert.Equal(layer, await File.ReadAllBytesAsync(_store.PathOf(image.Manifest.Layers[0].Digest)));
        var config = ImageConfigReader.Read(await _store.ReadAllAsync(image.Manifest.Config.Digest));
        Assert.Equal(["sh"], config.DefaultArgs);
    }

    [Fact]
    public async Task ImportAsync_NestedIndex_FollowsItToTheManifest()
    {
        var manifest = BusyboxManifest(out _);
        var inner = Entry(manifest, null);
        inner["platform"] = new JsonObject { ["os"] = "linux", ["architecture"] = "amd64" };
        var nested = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = MediaTypes.OciIndex, ["manifests"] = new JsonArray(inner) };
        WriteLayout(Entry(nested, "multi:1", MediaTypes.OciIndex));

        var images = await OciLayoutReader.ImportAsync(_dir, _store);

        Assert.Equal("multi:1", Assert.Single(images).RefName);
        Assert.Equal(4, _store.List().Count);
    }

    [Fact]
    public async Task ImportAsync_LayerDamaged_RefusedNamingItAndNotKept()
    {
        var manifest = BusyboxManifest(out var layer);
        WriteLayout(Entry(manifest, "busybox:latest"));
        var layerDigest = Digest.Of(layer);
        var path = Path.Join(_dir, "blobs", "sha256", layerDigest.Hex);
        var damaged = (byte[])layer.Clone();
        damaged[damaged.Length / 2] ^= 0xff;
        await File.WriteAllBytesAsync(path, damaged);

        var e = await Assert.ThrowsAsync<ImageException>(() => OciLayoutReader.ImportAsync(_dir, _store));

        Assert.Contains($"expected {layerDigest}", e.Message, StringComparison.Ordinal);
        Assert.False(_store.Exists(layerDigest));
    }

    [Fact]
    public async Task ImportAsync_BlobMissing_RefusedNamingIt()
    {
        var manifest = BusyboxManifest(out var layer);
        WriteLayout(Entry(manifest, null));
        File.Delete(Path.Join(_dir, "blobs", "sha256", Digest.Of(layer).Hex));

        var e = await Assert.ThrowsAsync<ImageException>(() => OciLayoutReader.ImportAsync(_dir, _store));

        Assert.Contains($"blob {Digest.Of(layer)} ({MediaTypes.OciLayerGzip}) is missing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportAsync_SizeThatLies_Refused()
    {
        var manifest = BusyboxManifest(out var layer);
        manifest["layers"]![0]!["size"] = layer.Length - 1;
        WriteLayout(Entry(manifest, null));

        var e = await Assert.ThrowsAsync<ImageException>(() => OciLayoutReader.ImportAsync(_dir, _store));

        Assert.Contains($"longer than the {layer.Length - 1} bytes", e.Message, StringComparison.Ordinal);
        Assert.False(_store.Exists(Digest.Of(layer)));
    }

    [Theory]
    [InlineData(null, "it has no oci-layout file")]
    [InlineData("{\"imageLayoutVersion\": \"2.0.0\"}", "imageLayoutVersion must be \"1.0.0\"")]
    [InlineData("not json", "not valid JSON")]
    public async Task ImportAsync_NotALayout_Refused(string? ociLayout, string expected)
    {
        if (ociLayout is not null) await File.WriteAllTextAsync(Path.Join(_dir, "oci-layout"), ociLayout);

        var e = await Assert.ThrowsAsync<ImageException>(() => OciLayoutReader.ImportAsync(_dir, _store));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Empty(_store.List());
    }
}
