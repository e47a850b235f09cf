using System.Formats.Tar;
using System.Text.Json;
using Berth.Testing;

namespace Berth.Images.Tests;

public sealed class RootfsImporterTests : IDisposable
{
    private readonly string _storeDir = TestPaths.NewDirectory("store");
    private readonly ContentStore _store;

    public RootfsImporterTests() => _store = new ContentStore(_storeDir);

    public void Dispose() => TestPaths.DeleteDirectory(_storeDir);

    private async Task<(ImageManifest Manifest, JsonElement Config)> ReadImage(Descriptor manifest)
    {
        var m = Assert.IsType<ImageManifest>(ManifestReader.Read(await _store.ReadAllAsync(manifest.Digest)));
        using var doc = JsonDocument.Parse(await _store.ReadAllAsync(m.Config.Digest));
        return (m, doc.RootElement.Clone());
    }

    [Theory]
    [InlineData(LayerCompression.None)]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public async Task ImportAsync_BusyboxTarball_OneUncompressedLayerWhoseDigestIsTheDiffId(LayerCompression compression)
    {
        var tar = TestImages.BusyboxTar;

        var descriptor = await RootfsImporter.ImportAsync(new MemoryStream(TestImages.Compress(tar, compression)), _store);

        var (manifest, config) = await ReadImage(descriptor);
        var layer = Assert.Single(manifest.Layers);
        Assert.Equal(MediaTypes.OciLayer, layer.MediaType);
        Assert.Equal(Digest.Of(tar), layer.Digest);
        Assert.Equal(tar.Length, layer.Size);
        Assert.Equal(tar, await File.ReadAllBytesAsync(_store.PathOf(layer.Digest)));
        var parsed = ImageConfigReader.Read(await _store.ReadAllAsync(manifest.Config.Digest));
        Assert.Equal([Digest.Of(tar)], parsed.DiffIds);
        Assert.Equal(Platform.Host, parsed.Platform);
        Assert.Equal("berth image import", config.GetProperty("history")[0].GetProperty("created_by").GetString());
    }

    [Fact]
    public async Task ImportAsync_ConfigChanges_WrittenIntoTheConfig()
    {
        var options = new RootfsImportOptions
        {
            User = "1000:1000", Env = ["PATH=/bin", "MODE=test"], Entrypoint = ["/bin/sh", "-c"], Cmd = ["echo hi"], WorkingDir = "/tmp",
            Platform = Platform.Parse("linux/arm64/v8"),
        };

        var descriptor = await RootfsImporter.ImportAsync(new MemoryStream(TestImages.SmallTar("etc/motd", "hi")), _store, options);

        var (manifest, _) = await ReadImage(descriptor);
        var config = ImageConfigReader.Read(await _store.ReadAllAsync(manifest.Config.Digest));
        Assert.Equal("1000:1000", config.User);
        Assert.Equal(["PATH=/bin", "MODE=test"], config.Env);
        Assert.Equal(["/bin/sh", "-c", "echo hi"], config.DefaultArgs);
        Assert.Equal("/tmp", config.WorkingDir);
        Assert.Equal(Platform.Parse("linux/arm64/v8"), config.Platform);
    }

    [Fact]
    public async Task ImportAsync_SameTarballAndTime_SameManifestDigest()
    {
        var options = new RootfsImportOptions { Created = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero) };

        var tar = TestImages.SmallTar("etc/motd", "hi");

        var a = await RootfsImporter.ImportAsync(new MemoryStream(tar), _store, options);
        var b = await RootfsImporter.ImportAsync(new MemoryStream(tar), _store, options);

        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData("../etc/passwd", null, TarEntryType.RegularFile, "entry \"../etc/passwd\" points outside the archive")]
    [InlineData("/etc/passwd", null, TarEntryType.RegularFile, "entry \"/etc/passwd\" points outside the archive")]
    [InlineData("usr/../../x", null, TarEntryType.RegularFile, "entry \"usr/../../x\" points outside the archive")]
    [InlineData("bin/evil", "../../etc/shadow", TarEntryType.HardLink, "link bin/evil points outside the archive")]
    [InlineData("bin/evil", "/etc/shadow", TarEntryType.HardLink, "link bin/evil points outside the archive")]
    public async Task ImportAsync_EntryLeavingTheRoot_RefusedAndNothingKept(string name, string? link, TarEntryType type, string expected)
    {
        var tar = TestImages.Tar([new TarItem("etc/motd", "hi"u8.ToArray()), new TarItem(name, link is null ? "x"u8.ToArray() : null, link, type)]);

        var e = await Assert.ThrowsAsync<ImageException>(() => RootfsImporter.ImportAsync(new MemoryStream(tar), _store));

        Assert.StartsWith($"rootfs tarball: {expected}", e.Message, StringComparison.Ordinal);
        Assert.Empty(_store.List());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(_storeDir, "ingest")));
    }

    [Fact]
    public async Task ImportAsync_SymlinksAndDevices_KeptForTheUnpackerToJudge()
    {
        var tar = TestImages.Tar([
            new TarItem("bin/sh", Link: "/bin/busybox"), new TarItem("lib/x", Link: "../../../x"),
            new TarItem("dev/null", Type: TarEntryType.CharacterDevice), new TarItem("run/fifo", Type: TarEntryType.Fifo),
        ]);

        var descriptor = await RootfsImporter.ImportAsync(new MemoryStream(tar), _store);

        Assert.True(_store.Exists(descriptor.Digest));
    }

    [Theory]
    [InlineData("this is not a tar, just some text that goes on long enough to fill a header block or so. ")]
    [InlineData("")]
    public async Task ImportAsync_NotATar_Refused(string text)
    {
        var data = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(text, 10)));

        var e = await Assert.ThrowsAsync<ImageException>(() => RootfsImporter.ImportAsync(new MemoryStream(data), _store));

        Assert.StartsWith("rootfs tarball: ", e.Message, StringComparison.Ordinal);
        Assert.Empty(_store.List());
    }

    [Fact]
    public async Task ImportAsync_Truncated_RefusedAndNothingKept()
    {
        var tar = TestImages.BusyboxTar;

        var e = await Assert.ThrowsAsync<ImageException>(() => RootfsImporter.ImportAsync(new MemoryStream(tar[..(tar.Length / 3)]), _store));

        Assert.StartsWith("rootfs tarball: damaged or truncated tar", e.Message, StringComparison.Ordinal);
        Assert.Empty(_store.List());
    }

    [Theory]
    [InlineData(new byte[] { 0xfd, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0, 1, 2 }, "xz-compressed")]
    [InlineData(new byte[] { (byte)'B', (byte)'Z', (byte)'h', (byte)'9', 0x31, 0x41, 0x59, 0x26 }, "bzip2-compressed")]
    public async Task ImportAsync_CompressionBerthDoesNotRead_RefusedSayingSo(byte[] head, string expected)
    {
        var e = await Assert.ThrowsAsync<ImageException>(() => RootfsImporter.ImportAsync(new MemoryStream(head), _store));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PATH", null, "environment entry \"PATH\" is not NAME=value")]
    [InlineData(null, "tmp", "working directory \"tmp\" is not an absolute path")]
    public async Task ImportAsync_BadOptions_RefusedBeforeReading(string? env, string? workingDir, string expected)
    {
        var options = new RootfsImportOptions { Env = env is null ? null : [env], WorkingDir = workingDir };

        var e = await Assert.ThrowsAsync<ImageException>(() => RootfsImporter.ImportAsync(new MemoryStream(TestImages.SmallTar("a", "b")), _store, options));

        Assert.Equal($"rootfs tarball: {expected}", e.Message);
    }
}
