using System.Formats.Tar;
using System.Text;
using Berth.Linux;
using Berth.Testing;

namespace Berth.Images.Tests;

public sealed class LayerUnpackerTests : IDisposable
{
    private readonly string _dir = TestPaths.NewDirectory("unpack");
    private readonly string _target;
    private readonly string _outside;

    public LayerUnpackerTests()
    {
        _target = Path.Combine(_dir, "layer");
        _outside = Path.Combine(_dir, "outside");
        Directory.CreateDirectory(_target);
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Combine(_outside, "victim"), "untouched");
    }

    public void Dispose() => TestPaths.DeleteDirectory(_dir);

    private UnpackResult Unpack(byte[] tar, UnpackOptions? options = null)
    {
        using var stream = new MemoryStream(tar);
        return LayerUnpacker.Unpack(stream, _target, options);
    }

    private static FileStat Stat(string path)
    {
        var fd = Fd.Open(Path.GetDirectoryName(path)!, Fd.O_RDONLY | Fd.O_DIRECTORY);
        using (fd) return FilesAt.TryStat((int)fd.DangerousGetHandle(), Path.GetFileName(path)) ?? throw new FileNotFoundException(path);
    }

    private void AssertOutsideUntouched()
    {
        Assert.Equal(["victim"], Directory.GetFileSystemEntries(_outside).Select(Path.GetFileName));
        Assert.Equal("untouched", File.ReadAllText(Path.Combine(_outside, "victim")));
    }

    [RequiresRootFact]
    public void Unpack_FilesDirectoriesLinks_KeepsContentModesOwnersAndTimes()
    {
        var tar = new LayerTar()
            .Dir("bin")
            .File("bin/tool", "#!/bin/sh\n", mode: (UnixFileMode)0x9ed /* 4755 */, uid: 1000, gid: 1001)
            .Symlink("bin/sh", "/bin/tool")
            .HardLink("bin/tool2", "bin/tool")
            .Dir("data", mode: (UnixFileMode)0x1c0, uid: 33, gid: 33)
            .File("data/x", "x")
            .Fifo("data/pipe")
            .File("./etc/deep/nested/file", "made with its parents")
            .ToArray();
        var result = Unpack(tar);

        Assert.Equal(Digest.Of(tar), result.DiffId);
        Assert.Equal(tar.Length, result.TarSize);
        Assert.Equal(8, result.Entries);
        var tool = Stat(Path.Combine(_target, "bin/tool"));
        Assert.Equal(0x81edu | 0x800u, tool.Mode);
        Assert.Equal((1000u, 1001u), (tool.Uid, tool.Gid));
        Assert.Equal(2u, tool.Links);
        Assert.Equal(tool.Inode, Stat(Path.Combine(_target, "bin/tool2")).Inode);
        Assert.Equal("/bin/tool", new FileInfo(Path.Combine(_target, "bin/sh")).LinkTarget);
        var data = Stat(Path.Combine(_target, "data"));
        Assert.Equal(0x41c0u, data.Mode);
        Assert.Equal(33u, data.Uid);
        Assert.Equal(new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc), Directory.GetLastWriteTimeUtc(Path.Combine(_target, "data")));
        Assert.Equal(0x1000u, Stat(Path.Combine(_target, "data/pipe")).Type);
        Assert.Equal("made with its parents", File.ReadAllText(Path.Combine(_target, "etc/deep/nested/file")));
    }

    [RequiresRootFact]
    public void Unpack_Whiteouts_BecomeOverlayWhiteoutsAndOpaqueDirectories()
    {
        Unpack(new LayerTar().Dir("etc").Whiteout("etc", "passwd").Whiteout("", "gone").Dir("var").Opaque("var").File(".wh..wh.plnk", "").ToArray());

        var whiteout = Stat(Path.Combine(_target, "etc/passwd"));
        Assert.Equal(0x2000u, whiteout.Type);
        Assert.Equal((0L, 0L), (whiteout.DeviceMajor, whiteout.DeviceMinor));
        Assert.Equal(0x2000u, Stat(Path.Combine(_target, "gone")).Type);
        Assert.False(File.Exists(Path.Combine(_target, "etc/.wh.passwd")));
        using var var = Fd.Open(Path.Combine(_target, "var"), Fd.O_RDONLY | Fd.O_DIRECTORY);
        Assert.Equal("y"u8.ToArray(), FilesAt.GetXattr((int)var.DangerousGetHandle(), LayerUnpacker.OverlayOpaqueXattr));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_target, "var")));
        Assert.False(File.Exists(Path.Combine(_target, ".wh..wh.plnk")));
    }

    [RequiresRootFact]
    public void Unpack_LaterEntry_ReplacesEarlierOne()
    {
        Unpack(new LayerTar().File("a", "first").File("a", "second").Dir("d").File("d/x", "x").File("d", "now a file").ToArray());

        Assert.Equal("second", File.ReadAllText(Path.Combine(_target, "a")));
        Assert.Equal("now a file", File.ReadAllText(Path.Combine(_target, "d")));
    }

    [RequiresRootFact]
    public void Unpack_Xattrs_SetsUserAndCapabilityButNeverOverlayOnes()
    {
        var pax = new Dictionary<string, string>
        {
            ["SCHILY.xattr.user.origin"] = "layer",
            ["SCHILY.xattr.trusted.overlay.redirect"] = "/elsewhere",
            ["LIBARCHIVE.xattr.user.b64"] = Convert.ToBase64String("bytes"u8),
        };
        Unpack(new LayerTar().File("f", "f", pax: pax).ToArray());

        using var f = Fd.Open(Path.Combine(_target, "f"), Fd.O_RDONLY);
        var fd = (int)f.DangerousGetHandle();
        Assert.Equal("layer"u8.ToArray(), FilesAt.GetXattr(fd, "user.origin"));
        Assert.Equal("bytes"u8.ToArray(), FilesAt.GetXattr(fd, "user.b64"));
        Assert.Null(FilesAt.GetXattr(fd, "trusted.overlay.redirect"));
    }

    public static TheoryData<string, string> HostileNames => new()
    {
        { "/etc/passwd", "absolute path" },
        { "../escape", "climbs out" },
        { "a/../../escape", "climbs out" },
        { "./../../../../tmp/escape", "climbs out" },
    };

    [RequiresRootTheory]
    [MemberData(nameof(HostileNames))]
    public void Unpack_NameOutsideLayer_IsRefused(string name, string message)
    {
        var e = Assert.Throws<ImageException>(() => Unpack(new LayerTar().File(name, "evil").ToArray()));

        Assert.Contains(message, e.Message);
        Assert.Contains(name, e.Message);
        AssertOutsideUntouched();
    }

    [RequiresRootFact]
    public void Unpack_FileThroughSymlink_IsRefusedAndTargetUntouched()
    {
        var tar = new LayerTar().Symlink("link", _outside).File("link/victim", "overwritten").ToArray();

        var e = Assert.Throws<ImageException>(() => Unpack(tar));

        Assert.Contains("link is a symlink or not a directory", e.Message);
        AssertOutsideUntouched();
    }

    [RequiresRootFact]
    public void Unpack_RelativeSymlinkClimbingOut_IsKeptButNeverFollowed()
    {
        var tar = new LayerTar().Symlink("up", "../outside").Dir("up/new").ToArray();

        var e = Assert.Throws<ImageException>(() => Unpack(tar));

        Assert.Contains("up is a symlink", e.Message);
        AssertOutsideUntouched();
    }

    [RequiresRootTheory]
    [InlineData("../outside/victim")]
    [InlineData("/etc/passwd")]
    [InlineData("missing")]
    [InlineData("link/victim")]
    public void Unpack_HardlinkToOutsideOrMissing_IsRefused(string target)
    {
        var tar = new LayerTar().Symlink("link", _outside).HardLink("h", target).ToArray();

        var e = Assert.Throws<ImageException>(() => Unpack(tar));

        Assert.Contains(target, e.Message);
        Assert.False(File.Exists(Path.Combine(_target, "h")));
        AssertOutsideUntouched();
    }

    [RequiresRootFact]
    public void Unpack_DeviceNode_IsRefusedUnlessAllowed()
    {
        var tar = new LayerTar().Device("dev/sda", TarEntryType.BlockDevice, 8, 0).ToArray();

        var e = Assert.Throws<ImageException>(() => Unpack(tar));
        Assert.Contains("dev/sda is a block device (8:0)", e.Message);
        Assert.False(File.Exists(Path.Combine(_target, "dev/sda")));

        Unpack(new LayerTar().Device("dev/null", TarEntryType.CharacterDevice, 1, 3).ToArray(), new UnpackOptions { AllowDevices = true });
        var node = Stat(Path.Combine(_target, "dev/null"));
        Assert.Equal((0x2000u, 1L, 3L), (node.Type, node.DeviceMajor, node.DeviceMinor));
    }

    [RequiresRootFact]
    public void Unpack_MoreBytesThanLimit_IsRefusedAsBomb()
    {
        var tar = new LayerTar().File("big", new string('z', 200_000)).ToArray();

        var e = Assert.Throws<ImageException>(() => Unpack(tar, new UnpackOptions { MaxBytes = 100_000 }));

        Assert.Contains("more than 100000 bytes", e.Message);
    }

    [RequiresRootFact]
    public void Unpack_MoreEntriesThanLimit_IsRefused()
    {
        var layer = new LayerTar();
        for (var i = 0; i < 20; i++) layer.File($"f{i}", "");

        var e = Assert.Throws<ImageException>(() => Unpack(layer.ToArray(), new UnpackOptions { MaxEntries = 10 }));

        Assert.Contains("more than 10 entries", e.Message);
    }

    [RequiresRootFact]
    public void Unpack_TruncatedTar_IsRefused()
    {
        var tar = new LayerTar().File("a", new string('a', 5000)).File("b", "b").ToArray();

        var e = Assert.Throws<ImageException>(() => Unpack(tar[..2000]));

        Assert.Contains("damaged or truncated tar", e.Message);
    }

    [RequiresRootFact]
    public void Unpack_MutatedTars_AreUnpackedOrRefusedCleanly()
    {
        var valid = new LayerTar().Dir("bin").File("bin/a", "aaaa").Symlink("bin/b", "a").HardLink("bin/c", "bin/a")
            .Dir("etc").Whiteout("etc", "x").Opaque("etc").File("etc/conf", new string('c', 700)).ToArray();
        var random = new Random(20261128);
        for (var round = 0; round < 1500; round++)
        {
            var tar = (byte[])valid.Clone();
            for (var flips = random.Next(1, 6); flips > 0; flips--)
                tar[random.Next(tar.Length)] = (byte)random.Next(256);
            if (round % 7 == 0) tar = tar[..random.Next(tar.Length)];
            var target = Path.Combine(_dir, "fuzz");
            Directory.CreateDirectory(target);
            try
            {
                using var stream = new MemoryStream(tar);
                LayerUnpacker.Unpack(stream, target, new UnpackOptions { MaxBytes = 1 << 20 });
            }
            catch (ImageException)
            {
            }
            finally
            {
                TestPaths.DeleteDirectory(target);
            }
        }
        AssertOutsideUntouched();
        Assert.Equal(["layer", "outside"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Components_NormalisesDotsAndSlashes()
    {
        Assert.Equal(["a", "b"], LayerUnpacker.Components("./a//./b/"));
        Assert.Empty(LayerUnpacker.Components("./"));
        Assert.Throws<ImageException>(() => LayerUnpacker.Components("a/\0b"));
    }

    [Fact]
    public void Sniff_TellsCompressionByMagic()
    {
        Assert.Equal(LayerCompression.Gzip, LayerStreams.Sniff([0x1f, 0x8b, 8]));
        Assert.Equal(LayerCompression.Zstd, LayerStreams.Sniff([0x28, 0xb5, 0x2f, 0xfd, 0]));
        Assert.Equal(LayerCompression.None, LayerStreams.Sniff(Encoding.ASCII.GetBytes("bin/")));
    }

    [RequiresRootFact]
    public void Unpack_NameLongerThanPathMax_IsRefused()
    {
        var deep = string.Join('/', Enumerable.Repeat("d", 2000)) + "/f";

        var e = Assert.Throws<ImageException>(() => Unpack(new LayerTar().File(deep, "x").ToArray()));

        Assert.Contains("is longer than", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_target));
    }

    [Fact]
    public void Decompress_Bomb_IsRefusedPastTheFloorAndRatio()
    {
        using var zeros = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(zeros, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
            gz.Write(new byte[20 << 20]);
        var random = new byte[2 << 20];
        new Random(7).NextBytes(random);
        using var noise = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(noise, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(random);

        Stream Guarded(MemoryStream s) => new BombGuardStream(c => new System.IO.Compression.GZipStream(c, System.IO.Compression.CompressionMode.Decompress), new MemoryStream(s.ToArray()), floor: 1 << 20, ratio: 100);
        using var bomb = Guarded(zeros);
        using var fine = Guarded(noise);

        var e = Assert.Throws<ImageException>(() => bomb.CopyTo(Stream.Null));
        Assert.Contains("decompression bomb", e.Message);
        fine.CopyTo(Stream.Null);
        Assert.Equal(random.Length, fine.Position);
    }
}
