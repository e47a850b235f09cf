using Berth.Testing;

namespace Berth.Images.Tests;

public sealed class ImageArchiveTests : IDisposable
{
    private readonly string _storeDir = TestPaths.NewDirectory("store");
    private readonly ImageStore _store;

    public ImageArchiveTests() => _store = new ImageStore(_storeDir);

    public void Dispose() => TestPaths.DeleteDirectory(_storeDir);

    private static TestImage Small(string content = "hi") => TestImages.Build([TestImages.SmallTar("etc/motd", content)], LayerCompression.Gzip);

    private Task<ArchiveImportResult> Import(byte[] data, string? name = null, LayerCompression compression = LayerCompression.None)
        => ImageArchive.ImportAsync(new MemoryStream(TestImages.Compress(data, compression)), _store,
            new ArchiveImportOptions { Name = name is null ? null : ImageReference.Parse(name) });

    [Theory]
    [InlineData(LayerCompression.None)]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public async Task ImportAsync_OciLayoutTar_ImportedAndNamedByRefName(LayerCompression compression)
    {
        var image = TestImages.BusyboxImage(LayerCompression.Gzip);

        var result = await Import(TestImages.Tar(TestImages.OciLayout((image, "docker.io/library/busybox:1"))), compression: compression);

        Assert.Equal(ArchiveFormat.OciArchive, result.Format);
        Assert.Equal(image.Manifest.Digest, Assert.Single(result.Images).Target.Digest);
        Assert.Equal(["docker.io/library/busybox:1"], result.Tags.Select(t => t.ToString()));
        Assert.Equal(image.Manifest.Digest, _store.Resolve(ImageReference.Parse("busybox:1"))?.Digest);
    }

    [Theory]
    [InlineData("v2", "team/app", "docker.io/team/app:v2")]
    [InlineData("v2", null, null)]
    [InlineData("v2|127.0.0.1:5000/tool:3", null, "127.0.0.1:5000/tool:3")]
    [InlineData(null, "team/app:given", "docker.io/team/app:given")]
    [InlineData("busybox:1.36", "team/app", "docker.io/library/busybox:1.36")]
    public async Task ImportAsync_OciRefNames_NamedByTheRules(string? refName, string? given, string? expected)
    {
        var image = Small();

        var result = await Import(TestImages.Tar(TestImages.OciLayout((image, refName))), given);

        Assert.Equal(expected is null ? [] : [expected], result.Tags.Select(t => t.ToString()));
        Assert.Equal(expected is null ? [] : [expected], _store.List().Select(n => n.Reference.ToString()));
    }

    [Fact]
    public async Task ImportAsync_DockerArchive_ImportedAndNamedByRepoTags()
    {
        var image = TestImages.Build([TestImages.SmallTar("etc/motd", "one"), TestImages.SmallTar("etc/motd", "two")], LayerCompression.None);

        var result = await Import(TestImages.Tar(TestImages.DockerArchive(image, "motd:2", "quay.io/someone/motd:2")), compression: LayerCompression.Gzip);

        Assert.Equal(ArchiveFormat.DockerArchive, result.Format);
        Assert.Equal(["docker.io/library/motd:2", "quay.io/someone/motd:2"], result.Tags.Select(t => t.ToString()));
        var target = _store.Resolve(ImageReference.Parse("motd:2"))!;
        var manifest = Assert.IsType<ImageManifest>(ManifestReader.Read(await _store.Content.ReadAllAsync(target.Digest)));
        Assert.Equal(Digest.Of(image.Config), manifest.Config.Digest);
    }

    [Fact]
    public async Task ImportAsync_DockerArchiveAndOciLayoutInOne_ReadAsTheOciLayout()
    {
        var image = TestImages.Build([TestImages.SmallTar("etc/motd", "one")], LayerCompression.None);
        var items = TestImages.OciLayout((image, "latest|docker.io/library/motd:latest"));
        items.AddRange(TestImages.DockerArchive(image, "motd:latest"));

        var result = await Import(TestImages.Tar(items));

        Assert.Equal(ArchiveFormat.OciArchive, result.Format);
        Assert.Equal(image.Manifest.Digest, _store.Resolve(ImageReference.Parse("motd"))?.Digest);
    }

    [Fact]
    public async Task ImportAsync_DockerArchiveWithBlobsFolderOnly_ConfigReadFromTheBlobs()
    {
        // docker save from version 25 keeps configs and layers under blobs/sha256/ and names them so in manifest.json.
        var image = TestImages.Build([TestImages.SmallTar("etc/motd", "one")], LayerCompression.None);
        var config = Digest.Of(image.Config);
        var layer = Digest.Of(image.LayerTars[0]);
        var manifest = $"[{{\"Config\":\"blobs/sha256/{config.Hex}\",\"RepoTags\":[\"motd:25\"],\"Layers\":[\"blobs/sha256/{layer.Hex}\"]}}]";
        var items = new List<TarItem>
        {
            new("blobs/"), new("blobs/sha256/"), new("blobs/sha256/" + config.Hex, image.Config), new("blobs/sha256/" + layer.Hex, image.LayerTars[0]),
            new("manifest.json", System.Text.Encoding.UTF8.GetBytes(manifest)),
        };

        var result = await Import(TestImages.Tar(items));

        Assert.Equal(ArchiveFormat.DockerArchive, result.Format);
        Assert.NotNull(_store.Resolve(ImageReference.Parse("motd:25")));
    }

    [Fact]
    public async Task ImportAsync_OciMultiPlatformIndex_NameOnTheIndex()
    {
        var amd = Small("amd64");
        var arm = Small("arm64");
        var index = ManifestWriter.Write(new ImageIndex(MediaTypes.OciIndex,
        [
            amd.Manifest with { Platform = new Platform("linux", "amd64") },
            arm.Manifest with { Platform = new Platform("linux", "arm64", "v8") },
        ]));
        var indexDigest = Digest.Of(index);
        var both = amd with
        {
            Blobs = new Dictionary<Digest, byte[]>(amd.Blobs.Concat(arm.Blobs)) { [indexDigest] = index },
            Manifest = new Descriptor(MediaTypes.OciIndex, indexDigest, index.Length),
        };

        var result = await Import(TestImages.Tar(TestImages.OciLayout((both, "docker.io/team/multi:1"))));

        var image = Assert.Single(result.Images);
        Assert.Equal(indexDigest, image.Target.Digest);
        Assert.Equal(indexDigest, _store.Resolve(ImageReference.Parse("team/multi:1"))?.Digest);
        Assert.True(_store.Content.Exists(Digest.Of(arm.LayerBlobs[0])));
    }

    [Theory]
    [InlineData(LayerCompression.None)]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public async Task ImportAsync_RootfsTarball_OneLayerImageUnderTheGivenName(LayerCompression compression)
    {
        var tar = TestImages.BusyboxTar;

        var result = await Import(tar, "local/busybox:rootfs", compression);

        Assert.Equal(ArchiveFormat.RootfsTarball, result.Format);
        var target = _store.Resolve(ImageReference.Parse("local/busybox:rootfs"))!;
        var manifest = Assert.IsType<ImageManifest>(ManifestReader.Read(await _store.Content.ReadAllAsync(target.Digest)));
        Assert.Equal(Digest.Of(tar), Assert.Single(manifest.Layers).Digest);
    }

    [Fact]
    public async Task ImportAsync_RootfsStartingWithDotFolder_ReadAsRootfsFromItsFirstByte()
    {
        var tar = TestImages.Tar([new TarItem("./"), new TarItem("./blobs/"), new TarItem("./etc/"), new TarItem("./etc/motd", "hi"u8.ToArray())]);

        var result = await Import(tar, "dots");

        Assert.Equal(ArchiveFormat.RootfsTarball, result.Format);
        var manifest = Assert.IsType<ImageManifest>(ManifestReader.Read(await _store.Content.ReadAllAsync(result.Images[0].Target.Digest)));
        Assert.Equal(Digest.Of(tar), manifest.Layers[0].Digest);
    }

    [Fact]
    public async Task ImportAsync_RootfsWithAPaxGlobalHeaderFirst_ImportedAsRootfs()
    {
        using var ms = new MemoryStream();
        using (var w = new System.Formats.Tar.TarWriter(ms, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true))
        {
            // What git archive writes first.
            w.WriteEntry(new System.Formats.Tar.PaxGlobalExtendedAttributesTarEntry(new Dictionary<string, string> { ["comment"] = "0123abcd" }));
            w.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "etc/motd") { DataStream = new MemoryStream("hi"u8.ToArray()) });
        }

        var result = await Import(ms.ToArray(), "from-git");

        Assert.Equal(ArchiveFormat.RootfsTarball, result.Format);
    }

    [Fact]
    public async Task ImportAsync_RootfsWithoutAName_RefusedAndNothingStored()
    {
        var e = await Assert.ThrowsAsync<ImageException>(() => Import(TestImages.SmallTar("etc/motd", "hi")));

        Assert.Equal("a root file system tarball needs a name to be imported as (NAME[:TAG])", e.Message);
        Assert.Empty(_store.Content.List());
    }

    [Fact]
    public async Task ImportAsync_SecondImageRefused_NoNameSet()
    {
        var good = Small("good");
        var bad = Small("bad");
        var items = TestImages.OciLayout((good, "docker.io/library/good:1"), (bad, "docker.io/library/bad:1"))
            .Where(i => !i.Name.EndsWith(Digest.Of(bad.LayerBlobs[0]).Hex, StringComparison.Ordinal));

        await Assert.ThrowsAsync<ImageException>(() => Import(TestImages.Tar(items)));

        Assert.Empty(_store.List());
    }

    [Fact]
    public async Task ImportAsync_TwoUnnamedImagesAndOneName_RefusedAsAmbiguous()
    {
        var e = await Assert.ThrowsAsync<ImageException>(() => Import(TestImages.Tar(TestImages.OciLayout((Small("a"), null), (Small("b"), null))), "one"));

        Assert.Equal("the archive holds 2 images without a name; one:latest can name only one", e.Message);
        Assert.Empty(_store.List());
    }

    [Theory]
    [InlineData("Busybox:1", "the repository name must be lowercase")]
    [InlineData("busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000", "without a tag")]
    public async Task ImportAsync_InvalidRepoTag_RefusedNamingIt(string repoTag, string expected)
    {
        var image = TestImages.Build([TestImages.SmallTar("etc/motd", "one")], LayerCompression.None);

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(TestImages.Tar(TestImages.DockerArchive(image, repoTag))));

        Assert.StartsWith("docker-archive: it names an image", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Empty(_store.List());
    }

    [Theory]
    [InlineData(0, "image archive: it is empty")]
    [InlineData(1024, "image archive: it holds no entries (is it a tar?)")]
    [InlineData(700, "image archive: not a tar, or a damaged or unsupported one")]
    public async Task ImportAsync_EmptyOrNotATar_Refused(int length, string expected)
    {
        var data = length == 1024 ? new byte[length] : Enumerable.Range(0, length).Select(i => (byte)('a' + (i % 26))).ToArray();

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(data, "x"));

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportAsync_NameWithoutATag_Refused()
    {
        var e = await Assert.ThrowsAsync<ImageException>(() => Import(TestImages.SmallTar("a", "b"), "x@sha256:0000000000000000000000000000000000000000000000000000000000000000"));

        Assert.Contains("a name needs a tag", e.Message, StringComparison.Ordinal);
    }
}
