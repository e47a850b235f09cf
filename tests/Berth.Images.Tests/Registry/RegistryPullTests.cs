using Berth.Images.Registry;
using Berth.Testing;

namespace Berth.Images.Tests.Registry;

/// <summary>Pulls from a real registry (Debian's docker-registry on 127.0.0.1), seeded with skopeo.</summary>
public sealed class RegistryPullTests : IDisposable
{
    private readonly LocalRegistry _registry = LocalRegistry.Start();
    private readonly string _storeDir = TestPaths.NewDirectory("store");
    private readonly ImageStore _store;
    private readonly RegistryClient _client = new();

    public RegistryPullTests() => _store = new ImageStore(_storeDir);

    public void Dispose()
    {
        _client.Dispose();
        _registry.Dispose();
        TestPaths.DeleteDirectory(_storeDir);
    }

    private ImageReference Ref(string repositoryAndTag) => ImageReference.Parse($"{_registry.Host}/{repositoryAndTag}");

    [Fact]
    public async Task PullAsync_ByTag_StoresEveryBlobVerifiedAndNamesTheManifest()
    {
        var image = TestImage.Busybox(randomLayers: 1);
        TestImage.Seed(_registry, "tools/busybox", "1.0", image);
        var reference = Ref("tools/busybox:1.0");

        var result = await _client.PullAsync(reference, _store);

        Assert.Equal(image.Manifest.Digest, result.Manifest.Digest);
        Assert.Null(result.Index);
        Assert.Equal(image.Manifest.Digest, result.RepositoryDigest);
        Assert.Equal(image.Layers.Select(l => l.Descriptor.Digest), result.Image.Layers.Select(l => l.Digest));
        foreach (var (digest, data) in image.Blobs) Assert.Equal(data, await File.ReadAllBytesAsync(_store.Content.PathOf(digest)));
        Assert.Equal(result.Manifest, _store.Resolve(reference));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_storeDir, "ingest")));
    }

    [Fact]
    public async Task PullAsync_ByDigest_StoresTheImageWithoutAName()
    {
        var image = TestImage.Random(Platform.Default, layers: 2);
        TestImage.Seed(_registry, "app", "v1", image);

        var result = await _client.PullAsync(Ref($"app@{image.Manifest.Digest}"), _store);

        Assert.Equal(image.Manifest.Digest, result.Manifest.Digest);
        Assert.True(image.Blobs.All(b => _store.Content.Exists(b.Digest)));
        Assert.Empty(_store.List());
    }

    [Fact]
    public async Task PullAsync_DigestTheRegistryDoesNotHave_RefusedAsNotFound()
    {
        TestImage.Seed(_registry, "app", "v1", TestImage.Random(Platform.Default));
        var missing = Digest.Of("nothing"u8);

        var e = await Assert.ThrowsAsync<ImageException>(() => _client.PullAsync(Ref($"app@{missing}"), _store));

        Assert.Contains($"{_registry.Host}/app@{missing}: not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullAsync_TagTheRegistryDoesNotHave_RefusedAsNotFoundAndNothingStored()
    {
        TestImage.Seed(_registry, "app", "v1", TestImage.Random(Platform.Default));

        var e = await Assert.ThrowsAsync<ImageException>(() => _client.PullAsync(Ref("app:v2"), _store));

        Assert.Contains($"manifest {_registry.Host}/app:v2: not found", e.Message, StringComparison.Ordinal);
        Assert.Empty(_store.Content.List());
        Assert.Empty(_store.List());
    }

    [Fact]
    public async Task PullAsync_MultiPlatformIndex_PicksLinuxAmd64AndKeepsTheIndex()
    {
        var amd64 = TestImage.Random(Platform.Default);
        var arm64 = TestImage.Random(new Platform("linux", "arm64", "v8"));
        var arm = TestImage.Random(new Platform("linux", "arm", "v7"));
        var index = TestImage.Seed(_registry, "multi", "1", arm, arm64, amd64)!.Value;
        var reference = Ref("multi:1");

        var result = await _client.PullAsync(reference, _store);

        Assert.Equal(amd64.Manifest.Digest, result.Manifest.Digest);
        Assert.Equal(index.Descriptor.Digest, result.Index!.Digest);
        Assert.Equal(index.Descriptor.Digest, result.RepositoryDigest);
        Assert.Equal(index.Bytes, await File.ReadAllBytesAsync(_store.Content.PathOf(index.Descriptor.Digest)));
        Assert.Equal(amd64.Manifest.Digest, _store.Resolve(reference)!.Digest);
        Assert.False(_store.Content.Exists(arm64.Config.Digest));
        Assert.False(_store.Content.Exists(arm.Manifest.Digest));
    }

    [Fact]
    public async Task PullAsync_PlatformOption_PicksThatPlatform()
    {
        var amd64 = TestImage.Random(Platform.Default);
        var arm64 = TestImage.Random(new Platform("linux", "arm64", "v8"));
        TestImage.Seed(_registry, "multi", "1", amd64, arm64);

        var result = await _client.PullAsync(Ref("multi:1"), _store, new PullOptions { Platform = Platform.Parse("linux/arm64") });

        Assert.Equal(arm64.Manifest.Digest, result.Manifest.Digest);
        Assert.True(_store.Content.Exists(arm64.Layers[0].Descriptor.Digest));
        Assert.False(_store.Content.Exists(amd64.Layers[0].Descriptor.Digest));
    }

    [Fact]
    public async Task PullAsync_NoManifestForThePlatform_RefusedListingThePlatformsAndNothingNamed()
    {
        TestImage.Seed(_registry, "multi", "1", TestImage.Random(new Platform("linux", "arm64", "v8")), TestImage.Random(new Platform("linux", "s390x")));

        var e = await Assert.ThrowsAsync<ImageException>(() => _client.PullAsync(Ref("multi:1"), _store));

        Assert.Contains("no manifest for linux/amd64; it is built for linux/arm64/v8, linux/s390x", e.Message, StringComparison.Ordinal);
        Assert.Empty(_store.List());
        Assert.Empty(_store.Content.List());
    }

    [Fact]
    public async Task PullAsync_Again_DownloadsNoLayerAndSaysTheyExist()
    {
        var image = TestImage.Random(Platform.Default, layers: 3);
        TestImage.Seed(_registry, "app", "v1", image);
        await _client.PullAsync(Ref("app:v1"), _store);
        var before = image.Blobs.ToDictionary(b => b.Digest, b => File.GetLastWriteTimeUtc(_store.Content.PathOf(b.Digest)));
        var progress = new RecordingProgress<PullProgress>();

        using var second = new RegistryClient();
        await second.PullAsync(Ref("app:v1"), _store, progress: progress);

        Assert.Equal(image.Layers.Select(l => l.Descriptor.Digest.ToString()).Order(), progress.Reports.Select(r => r.Layer.ToString()).Order());
        Assert.All(progress.Reports, r => Assert.Equal(PullProgressState.AlreadyExists, r.State));
        Assert.All(image.Blobs, b => Assert.Equal(before[b.Digest], File.GetLastWriteTimeUtc(_store.Content.PathOf(b.Digest))));
    }

    [Fact]
    public async Task PullAsync_SeveralLayers_DownloadsThemInParallelWithinTheBoundAndReportsEachToTheEnd()
    {
        var image = TestImage.Random(Platform.Default, layers: 5, size: 1 << 20);
        TestImage.Seed(_registry, "big", "1", image);
        var progress = new RecordingProgress<PullProgress>();

        await _client.PullAsync(Ref("big:1"), _store, new PullOptions { MaxConcurrentDownloads = 2 }, progress);

        var reports = progress.Reports;
        var running = new HashSet<Digest>();
        var most = 0;
        foreach (var r in reports)
        {
            if (r.State == PullProgressState.Downloading) running.Add(r.Layer);
            if (r.State == PullProgressState.Complete) running.Remove(r.Layer);
            most = Math.Max(most, running.Count);
        }
        Assert.Equal(2, most);
        foreach (var (layer, data) in image.Layers)
        {
            var own = reports.Where(r => r.Layer == layer.Digest).ToList();
            Assert.Equal(PullProgressState.Waiting, own[0].State);
            Assert.Equal(new PullProgress(layer.Digest, PullProgressState.Complete, data.Length, data.Length), own[^1]);
            Assert.Contains(own, r => r.State == PullProgressState.Downloading && r.Done > 0 && r.Done < r.Total);
            Assert.True(_store.Content.Exists(layer.Digest));
        }
    }

    [Fact]
    public async Task PullAsync_LayerAlreadyInTheStore_DownloadsOnlyTheOthers()
    {
        var image = TestImage.Random(Platform.Default, layers: 2);
        TestImage.Seed(_registry, "app", "v1", image);
        var (kept, keptData) = image.Layers[0];
        await _store.Content.WriteAsync(keptData, kept.Digest);
        var progress = new RecordingProgress<PullProgress>();

        await _client.PullAsync(Ref("app:v1"), _store, progress: progress);

        Assert.Equal([PullProgressState.AlreadyExists], progress.Reports.Where(r => r.Layer == kept.Digest).Select(r => r.State));
        Assert.Equal(PullProgressState.Complete, progress.Reports.Last(r => r.Layer == image.Layers[1].Descriptor.Digest).State);
    }

    [Fact]
    public async Task PullAsync_CancelledWhileDownloading_LeavesNoPartialBlobAndNoName()
    {
        var image = TestImage.Random(Platform.Default, layers: 3, size: 2 << 20);
        TestImage.Seed(_registry, "big", "1", image);
        using var cancel = new CancellationTokenSource();
        var progress = new CancelOnFirstBytes(cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.PullAsync(Ref("big:1"), _store, progress: progress, cancellationToken: cancel.Token));

        Assert.Empty(_store.List());
        Assert.False(_store.Content.Exists(image.Manifest.Digest));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_storeDir, "ingest")));
        Assert.All(_store.Content.List(), d => Assert.Equal(d, Digest.Of(File.ReadAllBytes(_store.Content.PathOf(d)))));
    }

    /// <summary>A client that reaches the local registry under the name registry.test (no DNS involved: the name is only mapped to 127.0.0.1 when connecting).</summary>
    private RegistryClient ClientByName(params string[] insecure)
        => new(new RegistryClientOptions
        {
            InsecureRegistries = insecure,
            ConnectTo = (host, port) => host == "registry.test" ? ("127.0.0.1", _registry.Port) : (host, port),
            MaxAttempts = 1,
        });

    [Fact]
    public async Task PullAsync_PlainHttpRegistryNotLoopbackAndNotListed_RefusedWithoutSpeakingHttp()
    {
        TestImage.Seed(_registry, "app", "v1", TestImage.Random(Platform.Default));
        using var client = ClientByName();
        var reference = ImageReference.Parse($"registry.test:{_registry.Port}/app:v1");
        var logBefore = _registry.ReadLog().Length;

        var e = await Assert.ThrowsAsync<ImageException>(() => client.PullAsync(reference, _store));

        Assert.StartsWith($"cannot reach registry registry.test:{_registry.Port} at https://registry.test:{_registry.Port}/", e.Message, StringComparison.Ordinal);
        Assert.Contains("must be listed as insecure", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("http.request.uri", _registry.ReadLog()[logBefore..], StringComparison.Ordinal);
        Assert.Empty(_store.Content.List());
    }

    [Fact]
    public async Task PullAsync_PlainHttpRegistryListedAsInsecure_Works()
    {
        var image = TestImage.Random(Platform.Default);
        TestImage.Seed(_registry, "app", "v1", image);
        using var client = ClientByName($"registry.test:{_registry.Port}");

        var result = await client.PullAsync(ImageReference.Parse($"registry.test:{_registry.Port}/app:v1"), _store);

        Assert.Equal(image.Manifest.Digest, result.Manifest.Digest);
    }

    /// <summary>Cancels the pull as soon as a layer has some bytes in, mid-download.</summary>
    private sealed class CancelOnFirstBytes(CancellationTokenSource cancel) : IProgress<PullProgress>
    {
        public void Report(PullProgress value)
        {
            if (value.State == PullProgressState.Downloading && value.Done > 0 && value.Done < value.Total) cancel.Cancel();
        }
    }
}
