using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Images.Tests;

public sealed class ManifestReaderTests
{
    private static readonly string D1 = Digest.Of([1]).ToString();
    private static readonly string D2 = Digest.Of([2]).ToString();
    private static readonly string D3 = Digest.Of([3]).ToString();

    private static JsonObject Manifest(string mediaType = MediaTypes.OciManifest, string layerType = MediaTypes.OciLayerGzip) => new()
    {
        ["schemaVersion"] = 2,
        ["mediaType"] = mediaType,
        ["config"] = new JsonObject { ["mediaType"] = MediaTypes.OciConfig, ["digest"] = D1, ["size"] = 10 },
        ["layers"] = new JsonArray(
            new JsonObject { ["mediaType"] = layerType, ["digest"] = D2, ["size"] = 1000 },
            new JsonObject { ["mediaType"] = MediaTypes.OciLayer, ["digest"] = D3, ["size"] = 0 }),
    };

    private static JsonObject Index(params (string Os, string Arch, string? Variant, string Digest)[] entries) => new()
    {
        ["schemaVersion"] = 2,
        ["mediaType"] = MediaTypes.OciIndex,
        ["manifests"] = new JsonArray(entries.Select(e => (JsonNode)new JsonObject
        {
            ["mediaType"] = MediaTypes.OciManifest,
            ["digest"] = e.Digest,
            ["size"] = 500,
            ["platform"] = e.Variant is null
                ? new JsonObject { ["os"] = e.Os, ["architecture"] = e.Arch }
                : new JsonObject { ["os"] = e.Os, ["architecture"] = e.Arch, ["variant"] = e.Variant },
        }).ToArray()),
    };

    private static object Read(JsonNode node, string? mediaType = null) => ManifestReader.Read(Encoding.UTF8.GetBytes(node.ToJsonString()), mediaType);

    [Theory]
    [InlineData(MediaTypes.OciManifest, MediaTypes.OciLayerGzip)]
    [InlineData(MediaTypes.OciManifest, MediaTypes.OciLayerZstd)]
    [InlineData(MediaTypes.DockerManifest, MediaTypes.DockerLayerGzip)]
    public void Read_Manifest_ConfigAndLayersInOrder(string mediaType, string layerType)
    {
        var m = Assert.IsType<ImageManifest>(Read(Manifest(mediaType, layerType)));

        Assert.Equal(mediaType, m.MediaType);
        Assert.Equal(D1, m.Config.Digest.ToString());
        Assert.Equal([D2, D3], m.Layers.Select(l => l.Digest.ToString()));
        Assert.Equal([1000L, 0L], m.Layers.Select(l => l.Size));
    }

    [Fact]
    public void Read_IndexThenSelect_PicksThePlatform()
    {
        var index = Assert.IsType<ImageIndex>(Read(Index(("linux", "arm64", "v8", D1), ("linux", "amd64", null, D2), ("windows", "amd64", null, D3))));

        Assert.Equal(D2, index.Select(Platform.Default).Digest.ToString());
        Assert.Equal(D1, index.Select(Platform.Parse("linux/arm64")).Digest.ToString());
        Assert.Equal(D1, index.Select(Platform.Parse("linux/arm64/v8")).Digest.ToString());
    }

    [Fact]
    public void Select_NoSuchPlatform_ListsWhatThereIs()
    {
        var index = Assert.IsType<ImageIndex>(Read(Index(("linux", "arm64", "v8", D1), ("linux", "s390x", null, D2))));

        var e = Assert.Throws<ImageException>(() => index.Select(Platform.Default));

        Assert.Equal("the image has no manifest for linux/amd64; it is built for linux/arm64/v8, linux/s390x", e.Message);
    }

    [Fact]
    public void Read_NoMediaTypeAnywhere_TellsManifestFromIndexByItsFields()
    {
        var m = Manifest();
        m.Remove("mediaType");
        var i = Index(("linux", "amd64", null, D1));
        i.Remove("mediaType");

        Assert.IsType<ImageManifest>(Read(m));
        Assert.IsType<ImageIndex>(Read(i));
    }

    [Theory]
    [InlineData("schemaVersion", 1, "schemaVersion must be 2")]
    [InlineData("mediaType", "application/vnd.oci.image.config.v1+json", "is neither an image manifest nor an index")]
    [InlineData("config", null, "config is missing")]
    [InlineData("layers", "x", "layers is not an array")]
    public void Read_BadTopLevelField_Refused(string field, object? value, string expected)
    {
        var m = Manifest();
        if (value is null) m.Remove(field);
        else m[field] = JsonValue.Create(value);

        var e = Assert.Throws<ImageException>(() => Read(m));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("digest", "sha256:abc", "manifest.layers[0]: digest \"sha256:abc\" is not a sha256 digest")]
    [InlineData("digest", null, "manifest.layers[0]: digest is missing")]
    [InlineData("size", -1, "manifest.layers[0]: size must be a whole number")]
    [InlineData("size", 1.5, "manifest.layers[0]: size must be a whole number")]
    [InlineData("size", "12", "manifest.layers[0]: size must be a whole number")]
    [InlineData("mediaType", "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "layers[0]: media type application/vnd.docker.image.rootfs.foreign.diff.tar.gzip is not a layer Berth can unpack")]
    [InlineData("mediaType", 5, "manifest.layers[0]: mediaType must be a string")]
    public void Read_BadLayerDescriptor_RefusedNamingIt(string field, object? value, string expected)
    {
        var m = Manifest();
        var layer = m["layers"]![0]!.AsObject();
        if (value is null) layer.Remove(field);
        else layer[field] = JsonValue.Create(value);

        var e = Assert.Throws<ImageException>(() => Read(m));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ServedAsAnotherType_Refused()
    {
        var e = Assert.Throws<ImageException>(() => Read(Manifest(), MediaTypes.OciIndex));

        Assert.Contains("is not the application/vnd.oci.image.index.v1+json it was served as", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"schemaVersion\": 2, \"layers\": [")]
    [InlineData("null")]
    public void Read_NotAJsonObject_Refused(string text)
    {
        Assert.Throws<ImageException>(() => ManifestReader.Read(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void Read_TooLarge_RefusedBeforeParsing()
    {
        var e = Assert.Throws<ImageException>(() => ManifestReader.Read(new byte[ManifestReader.MaxSize + 1]));

        Assert.Contains("more than the", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DeeplyNested_RefusedNotCrashed()
    {
        var deep = "{\"schemaVersion\":2,\"x\":" + new string('[', 10_000) + new string(']', 10_000) + "}";

        Assert.Throws<ImageException>(() => ManifestReader.Read(Encoding.UTF8.GetBytes(deep)));
    }

    /// <summary>
    /// A mutation fuzzer: thousands of manifests and indexes with bytes flipped, dropped or duplicated must each
    /// either read or be refused with an <see cref="ImageException"/>; no other exception, no hang.
    /// </summary>
    [Fact]
    public void Read_MutatedDocuments_OnlyEverReadOrRefused()
    {
        var seeds = new[] { Manifest().ToJsonString(), Manifest(MediaTypes.DockerManifest, MediaTypes.DockerLayerGzip).ToJsonString(), Index(("linux", "amd64", null, D1), ("linux", "arm", "v7", D2)).ToJsonString() }
            .Select(Encoding.UTF8.GetBytes).ToArray();
        var random = new Random(20261128);
        for (var round = 0; round < 5000; round++)
        {
            var data = seeds[round % seeds.Length].ToList();
            for (var k = random.Next(1, 6); k > 0 && data.Count > 0; k--)
            {
                var at = random.Next(data.Count);
                switch (random.Next(3))
                {
                    case 0: data[at] = (byte)random.Next(256); break;
                    case 1: data.RemoveAt(at); break;
                    default: data.Insert(at, data[random.Next(data.Count)]); break;
                }
            }
            try
            {
                var result = ManifestReader.Read(data.ToArray());
                Assert.True(result is ImageManifest or ImageIndex);
            }
            catch (ImageException)
            {
                // Refused: fine.
            }
        }
    }
}
