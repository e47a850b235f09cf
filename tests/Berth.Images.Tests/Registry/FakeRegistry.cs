using Berth.Testing;

namespace Berth.Images.Tests.Registry;

/// <summary>
/// A registry that says what a test tells it to, for what a real one cannot be made to do: serve a blob or a
/// manifest that does not match its digest, cut a body short, announce a 5 MiB manifest, fail with 503 a few times.
/// It serves one image read-only (<c>GET /v2/</c>, manifests by tag and digest, blobs); <see cref="Lie"/> answers
/// first when it returns a response. Every request is recorded.
/// </summary>
internal sealed class FakeRegistry : IDisposable
{
    private readonly LoopbackHttpServer _http;
    private readonly Dictionary<string, (string MediaType, byte[] Bytes)> _manifests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);

    public FakeRegistry(TestImage image, string repository, string tag)
    {
        Repository = repository;
        _manifests[tag] = _manifests[image.Manifest.Digest.ToString()] = (image.Manifest.MediaType, image.ManifestBytes);
        foreach (var (digest, data) in image.Blobs) _blobs[digest.ToString()] = data;
        _http = new LoopbackHttpServer(r => Task.FromResult(Lie?.Invoke(r) ?? Answer(r)));
    }

    public string Repository { get; }

    public string Host => _http.Host;

    /// <summary>Answers a request in place of the honest answer, when it returns one.</summary>
    public Func<LoopbackHttpRequest, LoopbackHttpResponse?>? Lie { get; set; }

    public IReadOnlyList<LoopbackHttpRequest> Requests => _http.Requests;

    public ImageReference Ref(string tagOrDigest)
        => ImageReference.Parse($"{Host}/{Repository}{(tagOrDigest.StartsWith("sha256:", StringComparison.Ordinal) ? "@" : ":")}{tagOrDigest}");

    /// <summary>The honest answer.</summary>
    public LoopbackHttpResponse Answer(LoopbackHttpRequest request)
    {
        if (request.Path == "/v2/") return new LoopbackHttpResponse(200, "{}"u8.ToArray(), "application/json");
        var prefix = $"/v2/{Repository}/";
        if (request.Method is "GET" or "HEAD" && request.Path.StartsWith(prefix + "manifests/", StringComparison.Ordinal)
            && _manifests.TryGetValue(request.Path[(prefix.Length + "manifests/".Length)..], out var manifest))
        {
            var response = new LoopbackHttpResponse(200, manifest.Bytes, manifest.MediaType);
            response.Headers["Docker-Content-Digest"] = Digest.Of(manifest.Bytes).ToString();
            return response;
        }
        if (request.Method is "GET" or "HEAD" && request.Path.StartsWith(prefix + "blobs/", StringComparison.Ordinal)
            && _blobs.TryGetValue(request.Path[(prefix.Length + "blobs/".Length)..], out var blob))
        {
            var response = new LoopbackHttpResponse(200, blob, "application/octet-stream");
            response.Headers["Docker-Content-Digest"] = Digest.Of(blob).ToString();
            return response;
        }
        return new LoopbackHttpResponse(404, """{"errors":[{"code":"NAME_UNKNOWN","message":"not here"}]}"""u8.ToArray(), "application/json");
    }

    public void Dispose() => _http.Dispose();
}
