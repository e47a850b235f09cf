using System.Text;
using Berth.Testing;

namespace Berth.Images.Tests;

/// <summary>
/// A mutation fuzzer over the archive importer: thousands of docker-archives, OCI layout tars and root file system
/// tarballs, damaged at the byte level or in their tar headers (with the header checksum made right again, so that
/// the damage gets past the tar reader's first check), must each import or be refused with an
/// <see cref="ImageException"/>: no other exception, no hang, nothing half-written left in the store.
/// </summary>
public sealed class ImageArchiveFuzzTests : IDisposable
{
    private const int Rounds = 2000;
    private static readonly TimeSpan PerImport = TimeSpan.FromSeconds(20);

    private readonly string _storeDir = TestPaths.NewDirectory("store");
    private readonly ImageStore _store;

    public ImageArchiveFuzzTests() => _store = new ImageStore(_storeDir);

    public void Dispose() => TestPaths.DeleteDirectory(_storeDir);

    /// <summary>
    /// The archives mutated: PAX tars built here (an OCI layout, a docker-archive, a root file system with links), and
    /// the ustar archives Berth's own writers make.
    /// </summary>
    private async Task<byte[][]> Seeds()
    {
        var two = TestImages.Build([TestImages.SmallTar("etc/motd", "one"), TestImages.SmallTar("etc/issue", "two")], LayerCompression.None);
        var gzip = TestImages.Build([TestImages.SmallTar("etc/motd", "three")], LayerCompression.Gzip);
        var zstd = TestImages.Build([TestImages.SmallTar("etc/motd", "four")], LayerCompression.Zstd);
        var source = new ImageStore(Path.Join(_storeDir, "source"));
        foreach (var (digest, data) in gzip.Blobs.Concat(zstd.Blobs)) await source.Content.WriteAsync(data, digest);
        (ImageReference, Descriptor)[] saved = [(ImageReference.Parse("d:1"), gzip.Manifest), (ImageReference.Parse("e:1"), zstd.Manifest)];
        using var oci = new MemoryStream();
        await OciArchiveWriter.WriteAsync(oci, source, saved);
        using var docker = new MemoryStream();
        await DockerArchiveWriter.WriteAsync(docker, source, saved);
        return
        [
            oci.ToArray(),
            docker.ToArray(),
            TestImages.Tar(TestImages.OciLayout((gzip, "docker.io/library/a:1"), (zstd, "b"))),
            TestImages.Tar(TestImages.DockerArchive(two, "c:1")),
            TestImages.Tar([new TarItem("./"), new TarItem("./etc/"), new TarItem("./etc/motd", "hi"u8.ToArray()),
                new TarItem("./bin/sh", Link: "/bin/busybox"), new TarItem("./bin/ash", Link: "bin/sh", Type: System.Formats.Tar.TarEntryType.HardLink)]),
        ];
    }

    /// <summary>The offsets of the tar header blocks of <paramref name="tar"/> (found by their ustar magic).</summary>
    private static List<int> Headers(byte[] tar)
    {
        var list = new List<int>();
        for (var at = 0; at + 512 <= tar.Length; at += 512)
        {
            if (tar.AsSpan(at + 257, 5).SequenceEqual("ustar"u8)) list.Add(at);
        }
        return list;
    }

    private static void FixChecksum(byte[] tar, int header)
    {
        var sum = 0;
        for (var i = 0; i < 512; i++) sum += i is >= 148 and < 156 ? ' ' : tar[header + i];
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(tar, header + 148);
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var data = (byte[])seed.Clone();
        var headers = Headers(data);
        switch (random.Next(6))
        {
            case 0:
                for (var k = random.Next(1, 8); k > 0; k--) data[random.Next(data.Length)] = (byte)random.Next(256);
                return data;
            case 1:
                return data[..random.Next(data.Length)];
            case 2:
            {
                // A header field rewritten: name, mode, size, type flag, link name, or the PAX size.
                var h = headers[random.Next(headers.Count)];
                var (offset, length) = random.Next(5) switch { 0 => (0, 100), 1 => (124, 12), 2 => (156, 1), 3 => (157, 100), _ => (100, 8) };
                var choices = new[] { "../../etc/passwd", "/abs", "77777777777", "00000001000", "99999999999", "\u00ff\u00fe", "blobs/sha256/", "manifest.json", "index.json", "oci-layout", "0", "1", "2", "3", "4", "5", "6", "7", "x", "g", "L", "K", "S", "V" };
                var text = random.Next(3) == 0 ? new string((char)random.Next(32, 127), random.Next(1, length + 1)) : choices[random.Next(choices.Length)];
                var bytes = Encoding.Latin1.GetBytes(text);
                data.AsSpan(h + offset, length).Clear();
                bytes.AsSpan(0, Math.Min(bytes.Length, length)).CopyTo(data.AsSpan(h + offset));
                FixChecksum(data, h);
                return data;
            }
            case 3:
            {
                // A byte changed inside a header and the checksum made right again.
                var h = headers[random.Next(headers.Count)];
                for (var k = random.Next(1, 4); k > 0; k--) data[h + random.Next(512)] = (byte)random.Next(256);
                FixChecksum(data, h);
                return data;
            }
            case 4:
            {
                // A block duplicated or dropped.
                var blocks = data.Chunk(512).ToList();
                var at = random.Next(blocks.Count);
                if (random.Next(2) == 0) blocks.Insert(at, blocks[random.Next(blocks.Count)]);
                else blocks.RemoveAt(at);
                return blocks.SelectMany(b => b).ToArray();
            }
            default:
            {
                // The archive compressed, then damaged.
                var packed = TestImages.Compress(data, random.Next(2) == 0 ? LayerCompression.Gzip : LayerCompression.Zstd);
                for (var k = random.Next(1, 4); k > 0; k--) packed[random.Next(packed.Length)] = (byte)random.Next(256);
                return random.Next(3) == 0 ? packed[..random.Next(packed.Length)] : packed;
            }
        }
    }

    [Theory]
    [InlineData(20261129)]
    [InlineData(2)]
    public async Task ImportAsync_MutatedArchives_OnlyEverImportedOrRefused(int seed)
    {
        var seeds = await Seeds();
        var random = new Random(seed);
        var options = new ArchiveImportOptions { Name = ImageReference.Parse("fuzz:1") };
        var imported = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var data = Mutate(seeds[round % seeds.Length], random);
            try
            {
                var run = Task.Run(() => ImageArchive.ImportAsync(new MemoryStream(data), _store, options));
                await run.WaitAsync(PerImport);
                imported++;
            }
            catch (ImageException)
            {
                // Refused: fine.
            }
            catch (Exception e)
            {
                var file = Path.Join(TestPaths.Root, $"fuzz-case-{round}.bin");
                await File.WriteAllBytesAsync(file, data);
                Assert.Fail($"round {round}: {e.GetType().Name} escaped (the input is in {file}): {e}");
            }
        }
        Assert.InRange(imported, 1, Rounds - 1);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(_storeDir, "ingest")));
    }
}
