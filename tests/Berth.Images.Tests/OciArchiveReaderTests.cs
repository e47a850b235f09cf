using System.Formats.Tar;
using Berth.Testing;

namespace Berth.Images.Tests;

public sealed class OciArchiveReaderTests : IDisposable
{
    private readonly string _storeDir = TestPaths.NewDirectory("store");
    private readonly ContentStore _store;

    public OciArchiveReaderTests() => _store = new ContentStore(_storeDir);

    public void Dispose() => TestPaths.DeleteDirectory(_storeDir);

    private Task<IReadOnlyList<LayoutImage>> Import(IEnumerable<TarItem> items) => OciArchiveReader.ImportAsync(new MemoryStream(TestImages.Tar(items)), _store);

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    [InlineData(LayerCompression.None)]
    public async Task ImportAsync_BusyboxLayoutTar_EveryBlobInTheStore(LayerCompression compression)
    {
        var image = TestImages.BusyboxImage(compression);

        var images = await Import(TestImages.OciLayout((image, "busybox:1")));

        var got = Assert.Single(images);
        Assert.Equal("busybox:1", got.RefName);
        Assert.Equal(image.Manifest.Digest, got.ManifestDescriptor.Digest);
        Assert.Equal(image.Manifest.Digest, got.IndexEntry?.Digest);
        Assert.Equal(image.Blobs.Keys.Select(d => d.Hex).Order(), _store.List().Select(d => d.Hex).Order());
        Assert.Equal(image.LayerBlobs[0], await File.ReadAllBytesAsync(_store.PathOf(got.Manifest.Layers[0].Digest)));
    }

    [Fact]
    public async Task ImportAsync_IndexBeforeBlobsAndDotSlashNames_Read()
    {
        var image = TestImages.Build([TestImages.SmallTar("etc/motd", "hi")], LayerCompression.Gzip);
        var items = TestImages.OciLayout((image, null));
        items.Reverse();

        var images = await Import(items.Select(i => i with { Name = "./" + i.Name }));

        Assert.Equal(image.Manifest.Digest, Assert.Single(images).ManifestDescriptor.Digest);
    }

    [Fact]
    public async Task ImportAsync_BlobNotMatchingItsName_RefusedAndNotKept()
    {
        var image = TestImages.Build([TestImages.SmallTar("etc/motd", "hi")], LayerCompression.Gzip);
        var items = TestImages.OciLayout((image, null))
            .Select(i => i.Name.EndsWith(Digest.Of(image.LayerBlobs[0]).Hex, StringComparison.Ordinal)
                ? i with { Data = TestImages.Compress(TestImages.SmallTar("etc/motd", "ho"), LayerCompression.Gzip) }
                : i);

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(items));

        Assert.Contains($"expected {Digest.Of(image.LayerBlobs[0])}", e.Message, StringComparison.Ordinal);
        Assert.False(_store.Exists(Digest.Of(image.LayerBlobs[0])));
    }

    [Fact]
    public async Task ImportAsync_BlobMissing_RefusedNamingIt()
    {
        var image = TestImages.Build([TestImages.SmallTar("etc/motd", "hi")], LayerCompression.Zstd);
        var layer = Digest.Of(image.LayerBlobs[0]);
        var items = TestImages.OciLayout((image, null)).Where(i => !i.Name.EndsWith(layer.Hex, StringComparison.Ordinal));

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(items));

        Assert.Equal($"oci-archive: blob {layer} ({MediaTypes.OciLayerZstd}) is missing from the archive", e.Message);
    }

    [Fact]
    public async Task ImportAsync_DescriptorSizeThatLies_Refused()
    {
        var image = TestImages.Build([TestImages.SmallTar("etc/motd", "hi")], LayerCompression.Gzip);
        var lying = image with { Manifest = image.Manifest with { Size = image.Manifest.Size + 1 } };

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(TestImages.OciLayout((lying, null))));

        Assert.Contains($"is {image.Manifest.Size} bytes, not the {image.Manifest.Size + 1} its descriptor says", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("oci-layout", "it has no oci-layout file")]
    [InlineData("index.json", "it has no index.json")]
    public async Task ImportAsync_LayoutFileMissing_Refused(string missing, string expected)
    {
        var image = TestImages.Build([TestImages.SmallTar("etc/motd", "hi")], LayerCompression.Gzip);

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(TestImages.OciLayout((image, null)).Where(i => i.Name != missing)));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportAsync_WrongLayoutVersion_Refused()
    {
        var image = TestImages.Build([TestImages.SmallTar("etc/motd", "hi")], LayerCompression.Gzip);
        var items = TestImages.OciLayout((image, null)).Select(i => i.Name == "oci-layout" ? i with { Data = "{\"imageLayoutVersion\":\"9\"}"u8.ToArray() } : i);

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(items));

        Assert.Contains("imageLayoutVersion must be \"1.0.0\"", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../blobs/sha256/x", null, "entry \"../blobs/sha256/x\" points outside the archive")]
    [InlineData("/oci-layout", null, "entry \"/oci-layout\" points outside the archive")]
    [InlineData("blobs/sha256/evil", "../../../etc/shadow", "link blobs/sha256/evil points outside the archive")]
    [InlineData("blobs/sha256/evil", "/etc/shadow", "link blobs/sha256/evil points outside the archive")]
    public async Task ImportAsync_EntryOrLinkLeavingTheArchive_Refused(string name, string? link, string expected)
    {
        var image = TestImages.Build([TestImages.SmallTar("etc/motd", "hi")], LayerCompression.Gzip);
        var items = TestImages.OciLayout((image, null));
        items.Insert(2, new TarItem(name, link is null ? "x"u8.ToArray() : null, link));

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(items));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportAsync_HardLinkLeavingTheArchive_Refused()
    {
        var items = new[] { new TarItem("blobs/sha256/x", Link: "../../etc/passwd", Type: TarEntryType.HardLink) };

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(items));

        Assert.Contains("link blobs/sha256/x points outside the archive", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TarEntryType.CharacterDevice)]
    [InlineData(TarEntryType.BlockDevice)]
    [InlineData(TarEntryType.Fifo)]
    public async Task ImportAsync_DeviceNodeOrFifo_Refused(TarEntryType type)
    {
        var e = await Assert.ThrowsAsync<ImageException>(() => Import([new TarItem("blobs/sha256/dev", Type: type)]));

        Assert.Contains($"entry blobs/sha256/dev is a {type}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportAsync_Truncated_RefusedAsDamaged()
    {
        var image = TestImages.BusyboxImage(LayerCompression.Gzip);
        var tar = TestImages.Tar(TestImages.OciLayout((image, null)));

        var e = await Assert.ThrowsAsync<ImageException>(() => OciArchiveReader.ImportAsync(new MemoryStream(tar[..(tar.Length / 2)]), _store));

        Assert.StartsWith("oci-archive: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(_storeDir, "ingest")));
    }

    [Fact]
    public async Task ImportAsync_MoreEntriesThanTheLimit_Refused()
    {
        var items = Enumerable.Range(0, 100_001).Select(i => new TarItem($"d{i}/"));

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(items));

        Assert.Equal("oci-archive: more than 100000 entries", e.Message);
    }

    [Fact]
    public async Task ImportAsync_ManifestBlobThatIsNotAManifest_Refused()
    {
        var image = TestImages.Build([TestImages.SmallTar("etc/motd", "hi")], LayerCompression.Gzip);
        var config = Digest.Of(image.Config);
        var wrong = image with { Manifest = new Descriptor(MediaTypes.OciManifest, config, image.Config.Length) };

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(TestImages.OciLayout((wrong, null))));

        Assert.Contains("schemaVersion must be 2", e.Message, StringComparison.Ordinal);
    }
}
