using Berth.Images.Registry;
using Berth.Testing;

namespace Berth.Images.Tests.Registry;

/// <summary>Pushes to a real registry (Debian's docker-registry on 127.0.0.1) and pulls back, also with skopeo.</summary>
public sealed class RegistryPushTests : IDisposable
{
    private readonly LocalRegistry _registry = LocalRegistry.Start();
    private readonly string _sourceDir = TestPaths.NewDirectory("store");
    private readonly string _targetDir = TestPaths.NewDirectory("store");
    private readonly ImageStore _source;
    private readonly ImageStore _target;
    private readonly RegistryClient _client = new();

    public RegistryPushTests()
    {
        _source = new ImageStore(_sourceDir);
        _target = new ImageStore(_targetDir);
    }

    public void Dispose()
    {
        _client.Dispose();
        _registry.Dispose();
        TestPaths.DeleteDirectory(_sourceDir);
        TestPaths.DeleteDirectory(_targetDir);
    }

    private ImageReference Ref(string repositoryAndTag) => ImageReference.Parse($"{_registry.Host}/{repositoryAndTag}");

    [Theory]
    [InlineData(null)]
    [InlineData(64 * 1024)]
    public async Task PushAsync_ThenPull_RoundTripsEveryBlob(int? chunkSize)
    {
        var image = TestImage.Busybox(randomLayers: 2, randomSize: 200_000);
        var local = ImageReference.Parse("busybox:test");
        await image.AddToAsync(_source, local);

        var pushed = await _client.PushAsync(local, Ref("team/busybox:1"), _source, new PushOptions { ChunkSize = chunkSize });
        using var other = new RegistryClient();
        var pulled = await other.PullAsync(Ref("team/busybox:1"), _target);

        Assert.Equal(image.Manifest.Digest, pushed.Manifest.Digest);
        Assert.Equal(4, pushed.BlobsUploaded);
        Assert.Equal(image.Manifest.Digest, pulled.Manifest.Digest);
        foreach (var (digest, data) in image.Blobs) Assert.Equal(data, await File.ReadAllBytesAsync(_target.Content.PathOf(digest)));
    }

    [Fact]
    public async Task PushAsync_ReadBackBySkopeo_HasTheManifestWePushed()
    {
        var image = TestImage.Random(Platform.Default, layers: 2);
        await image.AddToAsync(_source, ImageReference.Parse("app:1"));

        await _client.PushAsync(ImageReference.Parse("app:1"), Ref("app:1"), _source);
        var manifest = Tool.Run("skopeo", "inspect", "--raw", "--tls-verify=false", $"docker://{_registry.Host}/app:1");

        Assert.Equal(image.ManifestBytes, System.Text.Encoding.UTF8.GetBytes(manifest));
    }

    [Fact]
    public async Task PushAsync_Again_UploadsNothing()
    {
        var image = TestImage.Random(Platform.Default, layers: 2);
        await image.AddToAsync(_source, ImageReference.Parse("app:1"));
        await _client.PushAsync(ImageReference.Parse("app:1"), Ref("app:1"), _source);

        var again = await _client.PushAsync(ImageReference.Parse("app:1"), Ref("app:2"), _source);

        Assert.Equal(0, again.BlobsUploaded);
        Assert.Equal(3, again.BlobsSkipped);
        Assert.Equal(image.Manifest.Digest, (await _client.PullAsync(Ref("app:2"), _target)).Manifest.Digest);
    }

    [Fact]
    public async Task PushAsync_ToAnotherRepositoryOfTheSameRegistry_MountsTheBlobs()
    {
        var image = TestImage.Random(Platform.Default, layers: 2);
        TestImage.Seed(_registry, "base", "1", image);
        var source = Ref("base:1");
        await _client.PullAsync(source, _source);

        var pushed = await _client.PushAsync(source, Ref("derived:1"), _source);

        Assert.Equal(0, pushed.BlobsUploaded);
        Assert.Equal(3, pushed.BlobsSkipped);
        Assert.Contains("mount=", _registry.ReadLog(), StringComparison.Ordinal);
        Assert.Equal(image.Manifest.Digest, (await _client.PullAsync(Ref("derived:1"), _target)).Manifest.Digest);
    }

    [Fact]
    public async Task PushAsync_Index_PushesItsManifestsAndTheIndex()
    {
        var amd64 = TestImage.Random(Platform.Default);
        var arm64 = TestImage.Random(new Platform("linux", "arm64"));
        foreach (var (digest, data) in amd64.Blobs.Concat(arm64.Blobs)) await _source.Content.WriteAsync(data, digest);
        var (index, indexBytes) = TestImage.Index(amd64, arm64);
        await _source.Content.WriteAsync(indexBytes, index.Digest);
        _source.Tag(ImageReference.Parse("multi:1"), index);

        await _client.PushAsync(ImageReference.Parse("multi:1"), Ref("multi:1"), _source);
        var pulled = await _client.PullAsync(Ref("multi:1"), _target, new PullOptions { Platform = Platform.Parse("linux/arm64") });

        Assert.Equal(arm64.Manifest.Digest, pulled.Manifest.Digest);
        Assert.Equal(index.Digest, pulled.Index!.Digest);
    }

    [Fact]
    public async Task PushAsync_SourceNotInTheStore_RefusedNamingIt()
    {
        var e = await Assert.ThrowsAsync<ImageException>(() => _client.PushAsync(ImageReference.Parse("nothing:1"), Ref("nothing:1"), _source));

        Assert.Contains("cannot push nothing:1: there is no such image", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PushAsync_LayerMissingFromTheStore_RefusedBeforeUploadingAnything()
    {
        var image = TestImage.Random(Platform.Default, layers: 2);
        await image.AddToAsync(_source, ImageReference.Parse("app:1"));
        _source.Content.Delete(image.Layers[1].Descriptor.Digest);

        var e = await Assert.ThrowsAsync<ImageException>(() => _client.PushAsync(ImageReference.Parse("app:1"), Ref("app:1"), _source));

        Assert.Contains($"blob {image.Layers[1].Descriptor.Digest} ({MediaTypes.OciLayerGzip}) is not in the store", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("/blobs/uploads/", _registry.ReadLog(), StringComparison.Ordinal);
    }
}
