using System.IO.Compression;
using Berth.Testing;

namespace Berth.Images.Tests;

public sealed class SnapshotStoreTests : IDisposable
{
    private readonly string _dir = TestPaths.NewDirectory("snapshots");
    private readonly ContentStore _content;
    private readonly SnapshotStore _snapshots;
    private readonly List<string> _mounts = [];

    public SnapshotStoreTests()
    {
        _content = new ContentStore(Path.Combine(_dir, "content"));
        _snapshots = new SnapshotStore(Path.Combine(_dir, "snapshots"));
    }

    public void Dispose()
    {
        foreach (var m in _mounts) OverlayRootfs.Unmount(m);
        TestPaths.DeleteDirectory(_dir);
    }

    private static byte[] Compress(byte[] tar, LayerCompression compression)
    {
        using var output = new MemoryStream();
        using (Stream z = compression switch
        {
            LayerCompression.Gzip => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
            LayerCompression.Zstd => new ZstdSharp.CompressionStream(output, 3, leaveOpen: true),
            _ => throw new ArgumentOutOfRangeException(nameof(compression)),
        })
        {
            z.Write(tar);
        }
        return output.ToArray();
    }

    /// <summary>Stores the layers (tar, compression) and returns a manifest and config for them.</summary>
    private (ImageManifest, ImageConfig) Image(params (byte[] Tar, LayerCompression Compression)[] layers)
    {
        var descriptors = new List<Descriptor>();
        foreach (var (tar, compression) in layers)
        {
            var blob = compression == LayerCompression.None ? tar : Compress(tar, compression);
            var digest = _content.WriteAsync(blob).GetAwaiter().GetResult();
            var mediaType = compression switch
            {
                LayerCompression.Gzip => MediaTypes.OciLayerGzip,
                LayerCompression.Zstd => MediaTypes.OciLayerZstd,
                _ => MediaTypes.OciLayer,
            };
            descriptors.Add(new Descriptor(mediaType, digest, blob.Length));
        }
        var config = new ImageConfig { Platform = Platform.Default, DiffIds = layers.Select(l => Digest.Of(l.Tar)).ToList() };
        var manifest = new ImageManifest(MediaTypes.OciManifest, new Descriptor(MediaTypes.OciConfig, Digest.Of("{}"u8), 2), descriptors);
        return (manifest, config);
    }

    private string MountRootfs(IReadOnlyList<string> lowers, string name)
    {
        var target = Path.Combine(_dir, name, "rootfs");
        OverlayRootfs.Mount(lowers, Path.Combine(_dir, name, "upper"), Path.Combine(_dir, name, "work"), target);
        _mounts.Add(target);
        return target;
    }

    [RequiresRootFact]
    public async Task PrepareAsync_LayersWithWhiteouts_OverlayShowsTheMergedTree()
    {
        var bottom = new LayerTar().Dir("etc").File("etc/passwd", "root").File("etc/motd", "hello").Dir("var").File("var/old", "old").File("keep", "k").ToArray();
        var middle = new LayerTar().Whiteout("etc", "motd").Dir("var").Opaque("var").File("var/new", "new").ToArray();
        var top = new LayerTar().File("keep", "changed").File("added", "a").ToArray();
        var (manifest, config) = Image((bottom, LayerCompression.Gzip), (middle, LayerCompression.Zstd), (top, LayerCompression.None));

        var lowers = await _snapshots.PrepareAsync(_content, manifest, config);
        var rootfs = MountRootfs(lowers, "c1");

        Assert.Equal(3, lowers.Count);
        Assert.Equal("root", File.ReadAllText(Path.Combine(rootfs, "etc/passwd")));
        Assert.False(File.Exists(Path.Combine(rootfs, "etc/motd")));
        Assert.Equal(["new"], Directory.GetFileSystemEntries(Path.Combine(rootfs, "var")).Select(Path.GetFileName));
        Assert.Equal("changed", File.ReadAllText(Path.Combine(rootfs, "keep")));
        Assert.Equal("a", File.ReadAllText(Path.Combine(rootfs, "added")));
    }

    [RequiresRootFact]
    public async Task PrepareAsync_SecondContainer_SharesSnapshotsAndWritesOnlyToItsUpper()
    {
        var (manifest, config) = Image((new LayerTar().File("data", new string('d', 100_000)).ToArray(), LayerCompression.Gzip));
        var first = await _snapshots.PrepareAsync(_content, manifest, config);
        var snapshotInode = new DirectoryInfo(first[0]).LastWriteTimeUtc;

        var second = await _snapshots.PrepareAsync(_content, manifest, config);
        var a = MountRootfs(first, "a");
        var b = MountRootfs(second, "b");
        File.WriteAllText(Path.Combine(a, "data"), "mine");

        Assert.Equal(first, second);
        Assert.Equal(snapshotInode, new DirectoryInfo(second[0]).LastWriteTimeUtc);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_dir, "b", "upper")));
        Assert.Equal(100_000, new FileInfo(Path.Combine(b, "data")).Length);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(_dir, "a", "upper", "data")));
        Assert.Equal(100_000, new FileInfo(Path.Combine(first[0], "data")).Length);
    }

    [RequiresRootFact]
    public async Task PrepareAsync_LayerNotTheConfigsDiffId_IsRefusedAndLeavesNothing()
    {
        var (manifest, config) = Image((new LayerTar().File("a", "a").ToArray(), LayerCompression.Gzip));
        var lying = config with { DiffIds = [Digest.Of("something else"u8)] };

        var e = await Assert.ThrowsAsync<ImageException>(() => _snapshots.PrepareAsync(_content, manifest, lying));

        Assert.Contains("but the image config says", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_snapshots.Root));
    }

    [RequiresRootFact]
    public async Task PrepareAsync_HostileLayer_IsRefusedAndLeavesNothing()
    {
        var (manifest, config) = Image((new LayerTar().File("ok", "ok").File("../../escape", "x").ToArray(), LayerCompression.Zstd));

        var e = await Assert.ThrowsAsync<ImageException>(() => _snapshots.PrepareAsync(_content, manifest, config));

        Assert.Contains("climbs out", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_snapshots.Root));
        Assert.False(File.Exists(Path.Combine(_dir, "escape")));
    }

    [RequiresRootFact]
    public async Task PrepareAsync_CorruptCompressedLayer_IsRefused()
    {
        var gz = Compress(new LayerTar().File("a", new string('a', 10_000)).ToArray(), LayerCompression.Gzip);
        gz[gz.Length / 2] ^= 0xff;
        var digest = await _content.WriteAsync(gz);
        var manifest = new ImageManifest(MediaTypes.OciManifest, new Descriptor(MediaTypes.OciConfig, Digest.Of("{}"u8), 2),
            [new Descriptor(MediaTypes.OciLayerGzip, digest, gz.Length)]);
        var config = new ImageConfig { Platform = Platform.Default, DiffIds = [Digest.Of("x"u8)] };

        var e = await Assert.ThrowsAsync<ImageException>(() => _snapshots.PrepareAsync(_content, manifest, config));

        Assert.Contains("layer " + digest, e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_snapshots.Root));
    }

    [RequiresRootFact]
    public async Task Delete_RemovesSnapshotWhole()
    {
        var (manifest, config) = Image((new LayerTar().File("a", "a").ToArray(), LayerCompression.None));
        await _snapshots.PrepareAsync(_content, manifest, config);
        var chain = SnapshotStore.ChainIds(config.DiffIds);

        Assert.Equal(chain, _snapshots.List());
        Assert.True(_snapshots.Delete(chain[0]));
        Assert.False(_snapshots.Delete(chain[0]));
        Assert.Empty(Directory.GetFileSystemEntries(_snapshots.Root));
    }

    [Fact]
    public void ChainIds_FollowTheImageSpec()
    {
        var a = Digest.Of("a"u8);
        var b = Digest.Of("b"u8);

        var chain = SnapshotStore.ChainIds([a, b]);

        Assert.Equal(a, chain[0]);
        Assert.Equal(Digest.Of(System.Text.Encoding.ASCII.GetBytes($"{a} {b}")), chain[1]);
    }
}
