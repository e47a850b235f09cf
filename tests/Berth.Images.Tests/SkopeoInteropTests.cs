using System.Text.Json;
using Berth.Testing;

namespace Berth.Images.Tests;

/// <summary>
/// What Berth writes, skopeo (/usr/bin/skopeo, from Debian) reads, and what skopeo writes, Berth reads: OCI layout
/// tars and docker-archives, over busybox images with gzip, zstd and uncompressed layers.
/// </summary>
public sealed class SkopeoInteropTests : IDisposable
{
    private const string Skopeo = "/usr/bin/skopeo";

    private readonly string _dir = TestPaths.NewDirectory("skopeo");
    private readonly ImageStore _source;
    private readonly ImageStore _target;

    public SkopeoInteropTests()
    {
        _source = new ImageStore(Path.Join(_dir, "source"));
        _target = new ImageStore(Path.Join(_dir, "target"));
    }

    public void Dispose() => TestPaths.DeleteDirectory(_dir);

    private static string Run(params string[] args) => TestImages.Run(Skopeo, ["--insecure-policy", .. args]);

    private async Task<(ImageReference Reference, Descriptor Target, TestImage Image)> Add(LayerCompression compression)
    {
        var image = TestImages.Build([TestImages.BusyboxTar, TestImages.SmallTar("etc/motd", compression.ToString())], compression);
        foreach (var (digest, data) in image.Blobs) await _source.Content.WriteAsync(data, digest);
        var reference = ImageReference.Parse("busybox:" + compression.ToString().ToLowerInvariant());
        _source.Tag(reference, image.Manifest);
        return (reference, image.Manifest, image);
    }

    private async Task<string> Write(bool oci, (ImageReference, Descriptor) image)
    {
        var file = Path.Join(_dir, oci ? "berth-oci.tar" : "berth-docker.tar");
        await using var stream = File.Create(file);
        if (oci) await OciArchiveWriter.WriteAsync(stream, _source, [image]);
        else await DockerArchiveWriter.WriteAsync(stream, _source, [image]);
        return file;
    }

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    [InlineData(LayerCompression.None)]
    public async Task OciArchiveFromBerth_SkopeoInspectsAndCopiesIt(LayerCompression compression)
    {
        var (reference, target, image) = await Add(compression);
        var file = await Write(oci: true, (reference, target));

        using var inspect = JsonDocument.Parse(Run("inspect", $"oci-archive:{file}"));
        // Without the flag skopeo compresses uncompressed layers on their way into a layout, which changes the digests.
        Run("copy", "--dest-oci-accept-uncompressed-layers", $"oci-archive:{file}", $"oci:{Path.Join(_dir, "layout")}:copied");
        var copied = await OciLayoutReader.ImportAsync(Path.Join(_dir, "layout"), _target.Content);

        Assert.Equal(target.Digest.ToString(), inspect.RootElement.GetProperty("Digest").GetString());
        Assert.Equal(image.LayerBlobs.Select(l => Digest.Of(l).ToString()), inspect.RootElement.GetProperty("Layers").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(target.Digest, Assert.Single(copied).ManifestDescriptor.Digest);
    }

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public async Task DockerArchiveFromBerth_SkopeoReadsTheSameConfigAndLayers(LayerCompression compression)
    {
        var (reference, target, image) = await Add(compression);
        var file = await Write(oci: false, (reference, target));

        // Naming the image by its tag makes skopeo find it through manifest.json's RepoTags.
        using var manifest = JsonDocument.Parse(Run("inspect", "--raw", $"docker-archive:{file}:{reference.Familiar}"));

        Assert.Equal(Digest.Of(image.Config).ToString(), manifest.RootElement.GetProperty("config").GetProperty("digest").GetString());
        Assert.Equal(image.LayerTars.Select(t => Digest.Of(t).ToString()), manifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()));
    }

    /// <summary>Copies the image through skopeo into an OCI layout folder, from which skopeo then writes archives.</summary>
    private async Task<(ImageReference Reference, Descriptor Target, TestImage Image, string Layout)> AddToLayout(LayerCompression compression)
    {
        var (reference, target, image) = await Add(compression);
        var layout = Path.Join(_dir, "layout");
        Run("copy", "--dest-oci-accept-uncompressed-layers", $"oci-archive:{await Write(oci: true, (reference, target))}", $"oci:{layout}:busybox");
        return (reference, target, image, layout);
    }

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public async Task OciArchiveFromSkopeo_ImportedWithItsName(LayerCompression compression)
    {
        var (_, target, _, layout) = await AddToLayout(compression);
        var file = Path.Join(_dir, "skopeo-oci.tar");
        Run("copy", "--dest-oci-accept-uncompressed-layers", $"oci:{layout}:busybox", $"oci-archive:{file}:docker.io/library/busybox:from-skopeo");

        ArchiveImportResult result;
        await using (var s = File.OpenRead(file)) result = await ImageArchive.ImportAsync(s, _target);

        Assert.Equal(ArchiveFormat.OciArchive, result.Format);
        Assert.Equal(target.Digest, _target.Resolve(ImageReference.Parse("busybox:from-skopeo"))?.Digest);
    }

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.None)]
    public async Task DockerArchiveFromSkopeo_ImportedWithItsNameConfigAndLayers(LayerCompression compression)
    {
        // skopeo 1.9 cannot write zstd layers into a docker-archive ("zstd compression is not supported for docker images").
        var (_, _, image, layout) = await AddToLayout(compression);
        var file = Path.Join(_dir, "skopeo-docker.tar");
        Run("copy", $"oci:{layout}:busybox", $"docker-archive:{file}:busybox:docker-from-skopeo");

        ArchiveImportResult result;
        await using (var s = File.OpenRead(file)) result = await ImageArchive.ImportAsync(s, _target);

        Assert.Equal(ArchiveFormat.DockerArchive, result.Format);
        var loaded = _target.Resolve(ImageReference.Parse("busybox:docker-from-skopeo"))!;
        var manifest = Assert.IsType<ImageManifest>(ManifestReader.Read(await _target.Content.ReadAllAsync(loaded.Digest)));
        Assert.Equal(Digest.Of(image.Config), manifest.Config.Digest);
        Assert.Equal(image.LayerTars.Select(t => Digest.Of(t)), manifest.Layers.Select(l => l.Digest));
    }
}
