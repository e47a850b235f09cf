using System.Formats.Tar;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Images.Tests;

public sealed class ArchiveWriterTests : IDisposable
{
    private readonly string _sourceDir = TestPaths.NewDirectory("store");
    private readonly string _targetDir = TestPaths.NewDirectory("store");
    private readonly ImageStore _source;
    private readonly ImageStore _target;

    public ArchiveWriterTests()
    {
        _source = new ImageStore(_sourceDir);
        _target = new ImageStore(_targetDir);
    }

    public void Dispose()
    {
        TestPaths.DeleteDirectory(_sourceDir);
        TestPaths.DeleteDirectory(_targetDir);
    }

    /// <summary>Puts <paramref name="image"/>'s blobs in the source store and names it.</summary>
    private async Task<(ImageReference, Descriptor)> Add(TestImage image, string name)
    {
        foreach (var (digest, data) in image.Blobs) await _source.Content.WriteAsync(data, digest);
        var reference = ImageReference.Parse(name);
        _source.Tag(reference, image.Manifest);
        return (reference, image.Manifest);
    }

    private static TestImage Mixed() => TestImages.Build([TestImages.BusyboxTar, TestImages.SmallTar("etc/motd", "two")], LayerCompression.Gzip);

    private static TestImage Zstd() => TestImages.Build([TestImages.SmallTar("etc/motd", "zstd")], LayerCompression.Zstd, cmd: "cat");

    private static async Task<byte[]> Oci(ImageStore store, params (ImageReference, Descriptor)[] images)
    {
        using var ms = new MemoryStream();
        await OciArchiveWriter.WriteAsync(ms, store, images);
        return ms.ToArray();
    }

    private static async Task<byte[]> Docker(ImageStore store, params (ImageReference, Descriptor)[] images)
    {
        using var ms = new MemoryStream();
        await DockerArchiveWriter.WriteAsync(ms, store, images);
        return ms.ToArray();
    }

    private static List<TarEntry> Entries(byte[] tar)
    {
        var reader = new TarReader(new MemoryStream(tar));
        var list = new List<TarEntry>();
        while (reader.GetNextEntry(copyData: true) is { } e) list.Add(e);
        return list;
    }

    [Fact]
    public async Task OciArchive_SavedThenLoaded_SameManifestDigestsAndNames()
    {
        var a = await Add(Mixed(), "busybox:mixed");
        var b = await Add(Zstd(), "127.0.0.1:5000/team/zstd:1");

        var tar = await Oci(_source, a, b);
        var result = await ImageArchive.ImportAsync(new MemoryStream(tar), _target);

        Assert.Equal(ArchiveFormat.OciArchive, result.Format);
        Assert.Equal(_source.List().Select(n => (n.Reference.ToString(), n.Target.Digest)), _target.List().Select(n => (n.Reference.ToString(), n.Target.Digest)));
        Assert.Equal(_source.Content.List().Select(d => d.Hex).Order(), _target.Content.List().Select(d => d.Hex).Order());
    }

    [Fact]
    public async Task OciArchive_WrittenTwice_SameBytesEntriesInNameOrder()
    {
        var a = await Add(Mixed(), "busybox:mixed");
        var b = await Add(Zstd(), "zstd:1");

        var first = await Oci(_source, a, b);
        var second = await Oci(_source, a, b);

        Assert.Equal(first, second);
        var entries = Entries(first);
        Assert.Equal(entries.Select(e => e.Name).Order(StringComparer.Ordinal), entries.Select(e => e.Name));
        Assert.All(entries, e => Assert.Equal(DateTimeOffset.UnixEpoch, e.ModificationTime));
        Assert.Equal(["blobs/", "blobs/sha256/"], entries.Take(2).Select(e => e.Name));
        Assert.Equal(["index.json", "oci-layout"], entries.TakeLast(2).Select(e => e.Name));
        using var index = JsonDocument.Parse(entries.Single(e => e.Name == "index.json").DataStream!);
        Assert.Equal(["docker.io/library/busybox:mixed", "docker.io/library/zstd:1"],
            index.RootElement.GetProperty("manifests").EnumerateArray().Select(m => m.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString()));
    }

    [Fact]
    public async Task OciArchive_BlobMissing_RefusedBeforeWritingAnything()
    {
        var image = Mixed();
        var a = await Add(image, "busybox:mixed");
        _source.Content.Delete(Digest.Of(image.LayerBlobs[1]));
        using var ms = new MemoryStream();

        var e = await Assert.ThrowsAsync<ImageException>(() => OciArchiveWriter.WriteAsync(ms, _source, [a]));

        Assert.Contains($"blob {Digest.Of(image.LayerBlobs[1])} ({MediaTypes.OciLayerGzip}) is not in the store", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, ms.Length);
    }

    [Fact]
    public async Task OciArchive_BlobDamagedOnDisk_Refused()
    {
        var image = Zstd();
        var a = await Add(image, "zstd:1");
        var path = _source.Content.PathOf(Digest.Of(image.LayerBlobs[0]));
        var damaged = File.ReadAllBytes(path);
        damaged[^1] ^= 0xff;
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllBytesAsync(path, damaged);

        var e = await Assert.ThrowsAsync<ImageException>(() => Oci(_source, a));

        Assert.Contains("does not match its digest", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DockerArchive_SavedThenLoaded_SameConfigDigestAndUncompressedLayers()
    {
        var image = Mixed();
        var a = await Add(image, "busybox:mixed");
        var b = await Add(Zstd(), "zstd:1");

        var tar = await Docker(_source, a, b);
        var result = await ImageArchive.ImportAsync(new MemoryStream(tar), _target);

        Assert.Equal(ArchiveFormat.DockerArchive, result.Format);
        var target = _target.Resolve(ImageReference.Parse("busybox:mixed"))!;
        var manifest = Assert.IsType<ImageManifest>(ManifestReader.Read(await _target.Content.ReadAllAsync(target.Digest)));
        Assert.Equal(Digest.Of(image.Config), manifest.Config.Digest);
        Assert.Equal(image.LayerTars.Select(t => Digest.Of(t)), manifest.Layers.Select(l => l.Digest));
        Assert.Equal(image.LayerTars[0], await File.ReadAllBytesAsync(_target.Content.PathOf(manifest.Layers[0].Digest)));
        Assert.NotNull(_target.Resolve(ImageReference.Parse("zstd:1")));
    }

    [Fact]
    public async Task DockerArchive_TwoNamesOfOneImage_OneEntryWithBothRepoTagsAndRepositories()
    {
        var image = Mixed();
        var a = await Add(image, "busybox:mixed");
        var b = await Add(image, "quay.io/someone/busybox:2");

        var entries = Entries(await Docker(_source, a, b));

        using var manifest = JsonDocument.Parse(entries.Single(e => e.Name == "manifest.json").DataStream!);
        var only = Assert.Single(manifest.RootElement.EnumerateArray());
        Assert.Equal(["busybox:mixed", "quay.io/someone/busybox:2"], only.GetProperty("RepoTags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(Digest.Of(image.Config).Hex + ".json", only.GetProperty("Config").GetString());
        var layers = only.GetProperty("Layers").EnumerateArray().Select(l => l.GetString()!).ToList();
        Assert.Equal(Digest.Of(image.LayerTars[0]).Hex + "/layer.tar", layers[0]);
        using var repositories = JsonDocument.Parse(entries.Single(e => e.Name == "repositories").DataStream!);
        Assert.Equal(layers[1][..64], repositories.RootElement.GetProperty("quay.io/someone/busybox").GetProperty("2").GetString());
        Assert.Equal(entries.Select(e => e.Name).Order(StringComparer.Ordinal), entries.Select(e => e.Name));
    }

    [Fact]
    public async Task DockerArchive_WrittenTwice_SameBytes()
    {
        var a = await Add(Mixed(), "busybox:mixed");

        Assert.Equal(await Docker(_source, a), await Docker(_source, a));
    }

    [Fact]
    public async Task DockerArchive_LayerNotItsDiffId_RefusedBeforeWritingAnything()
    {
        var image = Mixed();
        var lying = TestImages.Build([TestImages.SmallTar("etc/motd", "other"), image.LayerTars[1]], LayerCompression.Gzip);
        // The lying image's config, over the first image's layers.
        var manifest = new ImageManifest(MediaTypes.OciManifest, new Descriptor(MediaTypes.OciConfig, Digest.Of(lying.Config), lying.Config.Length),
            image.LayerBlobs.Select(l => new Descriptor(MediaTypes.OciLayerGzip, Digest.Of(l), l.Length)).ToList());
        foreach (var (digest, data) in image.Blobs) await _source.Content.WriteAsync(data, digest);
        await _source.Content.WriteAsync(lying.Config, Digest.Of(lying.Config));
        var bytes = ManifestWriter.Write(manifest);
        var descriptor = new Descriptor(MediaTypes.OciManifest, await _source.Content.WriteAsync(bytes), bytes.Length);
        using var ms = new MemoryStream();

        var e = await Assert.ThrowsAsync<ImageException>(() => DockerArchiveWriter.WriteAsync(ms, _source, [(ImageReference.Parse("liar"), descriptor)]));

        Assert.Contains($"decompresses to {Digest.Of(image.LayerTars[0])}, not the diff_id {Digest.Of(lying.LayerTars[0])}", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, ms.Length);
    }

    [Fact]
    public async Task MultiPlatformIndex_OciKeepsItWholeDockerTakesTheHostsManifest()
    {
        var host = Zstd();
        var other = Mixed();
        foreach (var (digest, data) in host.Blobs.Concat(other.Blobs)) await _source.Content.WriteAsync(data, digest);
        var index = ManifestWriter.Write(new ImageIndex(MediaTypes.OciIndex,
        [
            other.Manifest with { Platform = new Platform("linux", "s390x") },
            host.Manifest with { Platform = Platform.Host },
        ]));
        var descriptor = new Descriptor(MediaTypes.OciIndex, await _source.Content.WriteAsync(index), index.Length);
        var name = ImageReference.Parse("multi:1");

        await ImageArchive.ImportAsync(new MemoryStream(await Oci(_source, (name, descriptor))), _target);
        var docker = Entries(await Docker(_source, (name, descriptor)));

        Assert.Equal(descriptor.Digest, _target.Resolve(name)?.Digest);
        Assert.Equal(_source.Content.List().Select(d => d.Hex).Order(), _target.Content.List().Select(d => d.Hex).Order());
        Assert.Contains(docker, e => e.Name == Digest.Of(host.Config).Hex + ".json");
        Assert.DoesNotContain(docker, e => e.Name == Digest.Of(other.Config).Hex + ".json");
    }

    [Fact]
    public async Task DockerArchive_IndexOfOtherPlatformsOnly_RefusedNamingThem()
    {
        var image = Zstd();
        foreach (var (digest, data) in image.Blobs) await _source.Content.WriteAsync(data, digest);
        var index = System.Text.Encoding.UTF8.GetBytes(new System.Text.Json.Nodes.JsonObject
        {
            ["schemaVersion"] = 2, ["mediaType"] = MediaTypes.OciIndex,
            ["manifests"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
            {
                ["mediaType"] = MediaTypes.OciManifest, ["digest"] = image.Manifest.Digest.ToString(), ["size"] = image.Manifest.Size,
                ["platform"] = new System.Text.Json.Nodes.JsonObject { ["os"] = "linux", ["architecture"] = "s390x" },
            }),
        }.ToJsonString());
        var descriptor = new Descriptor(MediaTypes.OciIndex, await _source.Content.WriteAsync(index), index.Length);

        var e = await Assert.ThrowsAsync<ImageException>(() => Docker(_source, (ImageReference.Parse("multi"), descriptor)));

        Assert.Contains("it is built for linux/s390x", e.Message, StringComparison.Ordinal);
    }
}
