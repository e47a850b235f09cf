using System.Diagnostics;
using Berth.Images.Registry;
using Berth.Testing;

namespace Berth.Images.Tests.Registry;

/// <summary>
/// A registry that lies or stumbles (a <see cref="FakeRegistry"/>: a real registry cannot be made to): every lie is
/// refused with an error that names it, and leaves no partial blob, no manifest and no name; what may pass (503,
/// 429, a broken connection) is tried again.
/// </summary>
public sealed class LyingRegistryTests : IDisposable
{
    private readonly TestImage _image = TestImage.Random(Platform.Default, layers: 2, size: 64 * 1024);
    private readonly FakeRegistry _fake;
    private readonly string _storeDir = TestPaths.NewDirectory("store");
    private readonly ImageStore _store;
    private readonly RegistryClient _client = new(new RegistryClientOptions { RetryDelay = TimeSpan.FromMilliseconds(10), MaxAttempts = 3 });

    public LyingRegistryTests()
    {
        _fake = new FakeRegistry(_image, "app", "1");
        _store = new ImageStore(_storeDir);
    }

    public void Dispose()
    {
        _client.Dispose();
        _fake.Dispose();
        TestPaths.DeleteDirectory(_storeDir);
    }

    private Digest Layer => _image.Layers[0].Descriptor.Digest;

    private bool IsLayer(LoopbackHttpRequest r) => r.Path.EndsWith($"/blobs/{Layer}", StringComparison.Ordinal);

    private static bool IsManifest(LoopbackHttpRequest r) => r.Path.Contains("/manifests/", StringComparison.Ordinal);

    /// <summary>The store holds no name, no manifest and nothing half-written; whole verified blobs may stay.</summary>
    private void AssertNothingHalfDone()
    {
        Assert.Empty(_store.List());
        Assert.False(_store.Content.Exists(_image.Manifest.Digest));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_storeDir, "ingest")));
        foreach (var digest in _store.Content.List())
            Assert.Equal(digest, Digest.Of(File.ReadAllBytes(_store.Content.PathOf(digest))));
    }

    [Fact]
    public async Task PullAsync_HonestFake_Works()
    {
        var result = await _client.PullAsync(_fake.Ref("1"), _store);

        Assert.Equal(_image.Manifest.Digest, result.Manifest.Digest);
    }

    [Fact]
    public async Task PullAsync_ManifestNotTheDigestAskedFor_RefusedNothingKept()
    {
        var other = TestImage.Random(Platform.Default);
        _fake.Lie = r => IsManifest(r) ? new LoopbackHttpResponse(200, other.ManifestBytes, MediaTypes.OciManifest) : null;

        var e = await Assert.ThrowsAsync<ImageException>(() => _client.PullAsync(_fake.Ref(_image.Manifest.Digest.ToString()), _store));

        Assert.Contains($"the registry served content whose digest is {other.Manifest.Digest}, not the {_image.Manifest.Digest} asked for", e.Message, StringComparison.Ordinal);
        Assert.Empty(_store.Content.List());
    }

    [Fact]
    public async Task PullAsync_DockerContentDigestDisagrees_Refused()
    {
        _fake.Lie = r =>
        {
            if (!IsManifest(r)) return null;
            var response = _fake.Answer(r);
            response.Headers["Docker-Content-Digest"] = Digest.Of("other"u8).ToString();
            return response;
        };

        var e = await Assert.ThrowsAsync<ImageException>(() => _client.PullAsync(_fake.Ref("1"), _store));

        Assert.Contains($"the registry says its digest is {Digest.Of("other"u8)}, but the content's digest is {_image.Manifest.Digest}", e.Message, StringComparison.Ordinal);
        AssertNothingHalfDone();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PullAsync_ManifestLargerThan4MiB_Refused(bool announced)
    {
        var huge = new byte[(4 << 20) + 1];
        _fake.Lie = r => IsManifest(r) ? new LoopbackHttpResponse(200, huge, MediaTypes.OciManifest) { OmitContentLength = !announced } : null;

        var e = await Assert.ThrowsAsync<ImageException>(() => _client.PullAsync(_fake.Ref("1"), _store));

        Assert.Contains($"manifest {_fake.Host}/app:1: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(announced ? $"the registry says it is {huge.Length} bytes, more than the {4 << 20} allowed" : $"larger than the {4 << 20} bytes allowed", e.Message, StringComparison.Ordinal);
        Assert.Empty(_store.Content.List());
    }

    [Fact]
    public async Task PullAsync_ManifestServedAsHtml_RefusedNamingTheMediaType()
    {
        _fake.Lie = r => IsManifest(r) ? new LoopbackHttpResponse(200, "<html></html>"u8.ToArray(), "text/html") : null;

        var e = await Assert.ThrowsAsync<ImageException>(() => _client.PullAsync(_fake.Ref("1"), _store));

        Assert.Contains("the registry served it as text/html, which is neither an image manifest nor an index", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullAsync_LayerThatDoesNotMatchItsDigest_RefusedNoPartialBlobNoName()
    {
        var damaged = (byte[])_image.Layers[0].Data.Clone();
        damaged[^10] ^= 0xff;
        _fake.Lie = r => IsLayer(r) ? new LoopbackHttpResponse(200, damaged) : null;

        var e = await Assert.ThrowsAsync<ImageException>(() => _client.PullAsync(_fake.Ref("1"), _store));

        Assert.Contains($"blob {Layer} of {_fake.Host}/app: blob does not match its digest: expected {Layer}, got {Digest.Of(damaged)}", e.Message, StringComparison.Ordinal);
        Assert.False(_store.Content.Exists(Layer));
        Assert.False(_store.Content.Exists(Digest.Of(damaged)));
        AssertNothingHalfDone();
    }

    [Fact]
    public async Task PullAsync_LayerLongerThanTheManifestSays_Refused()
    {
        _fake.Lie = r => IsLayer(r) ? new LoopbackHttpResponse(200, [.. _image.Layers[0].Data, 0]) : null;

        var e = await Assert.ThrowsAsync<ImageException>(() => _client.PullAsync(_fake.Ref("1"), _store));

        Assert.Contains($"the registry says it is {_image.Layers[0].Data.Length + 1} bytes, not the {_image.Layers[0].Data.Length} the manifest says", e.Message, StringComparison.Ordinal);
        AssertNothingHalfDone();
    }

    [Fact]
    public async Task PullAsync_LayerCutShort_TriedAgainThenRefusedNothingKept()
    {
        var data = _image.Layers[0].Data;
        _fake.Lie = r => IsLayer(r) ? new LoopbackHttpResponse(200, data[..(data.Length / 2)]) { ContentLength = data.Length } : null;

        var e = await Assert.ThrowsAsync<ImageException>(() => _client.PullAsync(_fake.Ref("1"), _store));

        Assert.Contains($"blob {Layer} of {_fake.Host}/app: the transfer broke off: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("(tried 3 times)", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, _fake.Requests.Count(IsLayer));
        Assert.False(_store.Content.Exists(Layer));
        AssertNothingHalfDone();
    }

    [Fact]
    public async Task PullAsync_ServiceUnavailableTwiceThenOk_TriesAgainAndSucceeds()
    {
        var failures = new Dictionary<string, int>();
        _fake.Lie = r =>
        {
            if (!IsManifest(r) && !IsLayer(r)) return null;
            lock (failures)
            {
                failures[r.Path] = failures.GetValueOrDefault(r.Path) + 1;
                return failures[r.Path] <= 2 ? new LoopbackHttpResponse(failures[r.Path] == 1 ? 503 : 502) : null;
            }
        };

        var result = await _client.PullAsync(_fake.Ref("1"), _store);

        Assert.Equal(_image.Manifest.Digest, result.Manifest.Digest);
        Assert.Equal(3, _fake.Requests.Count(IsManifest));
        Assert.Equal(3, _fake.Requests.Count(IsLayer));
        Assert.Equal(_image.Manifest.Digest, _store.Resolve(_fake.Ref("1"))!.Digest);
    }

    [Fact]
    public async Task PullAsync_TooManyRequestsWithRetryAfter_WaitsAsToldThenSucceeds()
    {
        var told = 0;
        _fake.Lie = r =>
        {
            if (!IsManifest(r) || Interlocked.Increment(ref told) > 1) return null;
            var response = new LoopbackHttpResponse(429);
            response.Headers["Retry-After"] = "1";
            return response;
        };
        var clock = Stopwatch.StartNew();

        await _client.PullAsync(_fake.Ref("1"), _store);

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(950), $"waited only {clock.Elapsed}");
        Assert.Equal(2, _fake.Requests.Count(IsManifest));
    }

    [Fact]
    public async Task PullAsync_AlwaysUnavailable_GivesUpAfterTheAttemptsNamingTheStatus()
    {
        _fake.Lie = r => IsManifest(r) ? new LoopbackHttpResponse(503, """{"errors":[{"code":"UNAVAILABLE","message":"maintenance"}]}"""u8.ToArray(), "application/json") : null;

        var e = await Assert.ThrowsAsync<ImageException>(() => _client.PullAsync(_fake.Ref("1"), _store));

        Assert.Equal($"manifest {_fake.Host}/app:1: the registry answered 503 Service Unavailable: UNAVAILABLE: maintenance", e.Message);
        Assert.Equal(3, _fake.Requests.Count(IsManifest));
    }
}
