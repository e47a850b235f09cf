using System.Net;
using System.Net.Http.Headers;
using System.Runtime.ExceptionServices;

namespace Berth.Images.Registry;

/// <summary>
/// Pulls images from and pushes them to registries that speak the OCI distribution spec (Docker Hub, Debian's
/// <c>docker-registry</c>, and the like), into and out of an <see cref="ImageStore"/>. Every blob is checked against
/// its digest and size as it is written; a pull that fails leaves no partial blob, no manifest and no name.
/// </summary>
/// <remarks>
/// The client owns its HTTP connections and the tokens it was given; dispose it when done. One client may run
/// several pulls and pushes at once. Cancellation stops a pull or push where it is; what is in the store then is
/// whole blobs only.
/// </remarks>
public sealed class RegistryClient : IDisposable
{
    private static readonly string[] ManifestTypes = [MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList];

    private readonly RegistryTransport _transport;

    /// <summary>A client with <paramref name="options"/> (anonymous, HTTPS but for loopback registries, when null).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (such as <see cref="RegistryClientOptions.MaxAttempts"/> below 1).</exception>
    public RegistryClient(RegistryClientOptions? options = null) => _transport = new RegistryTransport(options ?? new RegistryClientOptions());

    /// <summary>How many tokens the client fetched from token servers (each is kept until it expires); tests check the cache with it.</summary>
    internal int TokensFetched => _transport.Auth.TokensFetched;

    /// <inheritdoc/>
    public void Dispose() => _transport.Dispose();

    /// <summary>
    /// Pulls <paramref name="reference"/> into <paramref name="store"/>: the manifest its tag or digest names (and the
    /// platform's manifest when that is an index), the config and the layers, skipping blobs the store holds. Layers
    /// download in parallel (<see cref="PullOptions.MaxConcurrentDownloads"/>), and <paramref name="progress"/> hears
    /// of each. When everything is in, the manifests are stored and the reference's tag (if it has one) is pointed at
    /// the platform manifest (the index, when there was one, stays in the store; <see cref="PullResult.Index"/> names it).
    /// </summary>
    /// <exception cref="ImageException">
    /// The registry cannot be reached or refused access; the image, the tag or the platform is not there; or what the
    /// registry sent is not what it should be (a digest or size that does not match, a manifest larger than 4 MiB or of
    /// the wrong media type, a body cut short). Nothing of the failed pull is named, and no partial blob is kept.
    /// </exception>
    public async Task<PullResult> PullAsync(ImageReference reference, ImageStore store, PullOptions? options = null,
        IProgress<PullProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(store);
        options ??= new PullOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentDownloads, 1, nameof(options));
        var endpoint = await _transport.EndpointAsync(reference.Domain, cancellationToken).ConfigureAwait(false);
        var repository = new Repository(endpoint, reference.Path, $"repository:{reference.Path}:pull");

        var top = await FetchManifestAsync(repository, reference.Digest?.ToString() ?? reference.Tag!, reference.Digest, null, cancellationToken).ConfigureAwait(false);
        var manifest = top;
        Descriptor? indexDescriptor = null;
        if (top.Document is ImageIndex index)
        {
            indexDescriptor = top.Descriptor;
            var chosen = Select(index, options.Platform, reference);
            manifest = await FetchManifestAsync(repository, chosen.Digest.ToString(), chosen.Digest, chosen, cancellationToken).ConfigureAwait(false);
            if (manifest.Document is not ImageManifest)
                throw new ImageException($"{reference.Familiar}: the index's entry for {options.Platform} ({chosen.Digest}) is itself an index; nested indexes are not pulled");
        }
        var image = (ImageManifest)manifest.Document;

        await FetchBlobsAsync(repository, image, store.Content, options.MaxConcurrentDownloads, progress, cancellationToken).ConfigureAwait(false);
        // The manifests go in only after every blob they name: a manifest in the store stands for a whole image.
        await store.Content.WriteAsync(manifest.Bytes, manifest.Descriptor.Digest, cancellationToken).ConfigureAwait(false);
        if (indexDescriptor is not null) await store.Content.WriteAsync(top.Bytes, indexDescriptor.Digest, cancellationToken).ConfigureAwait(false);
        // The name points at the platform manifest, which the engine runs without choosing again; the index stays
        // in the store for inspection and for pushing on.
        if (reference.Tag is not null) store.Tag(reference, manifest.Descriptor);
        return new PullResult(reference, manifest.Descriptor, image, indexDescriptor);
    }

    /// <summary>
    /// Pushes the image <paramref name="source"/> names in <paramref name="store"/> to <paramref name="target"/>: for
    /// each blob the registry does not hold (a HEAD tells), a cross-repository mount when source and target share the
    /// registry, else an upload (monolithic, or chunked with <see cref="PushOptions.ChunkSize"/>); layers first, then
    /// the config, then the manifest under the target's tag (or digest). An index is pushed with the manifests it
    /// lists, which must all be in the store.
    /// </summary>
    /// <exception cref="ImageException">
    /// The source is not in the store or incomplete; the target pins another digest; the registry cannot be reached,
    /// refused access, or refused a blob or the manifest.
    /// </exception>
    public async Task<PushResult> PushAsync(ImageReference source, ImageReference target, ImageStore store, PushOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(store);
        options ??= new PushOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentUploads, 1, nameof(options));
        if (options.ChunkSize is < 1) throw new ArgumentOutOfRangeException(nameof(options), options.ChunkSize, "ChunkSize must be 1 byte or more");

        var descriptor = store.Resolve(source) ?? throw new ImageException($"cannot push {source.Familiar}: there is no such image in the store at {store.Root}");
        if (target.Digest is { } pinned && pinned != descriptor.Digest)
            throw new ImageException($"cannot push {source.Familiar} to {target.Familiar}: the image is {descriptor.Digest}, not the digest the target names");
        var bytes = await store.Content.ReadAllAsync(descriptor.Digest, ManifestReader.MaxSize, cancellationToken).ConfigureAwait(false);
        var document = ManifestReader.Read(bytes, descriptor.MediaType);
        var images = new List<(Descriptor Descriptor, byte[] Bytes, ImageManifest Image)>();
        if (document is ImageIndex index)
        {
            foreach (var child in index.Manifests)
            {
                if (!store.Content.Exists(child.Digest))
                    throw new ImageException($"cannot push {source.Familiar}: its index lists {child.Digest} ({child.Platform?.ToString() ?? "no platform"}), which is not in the store (a pull keeps only its own platform's manifest)");
                var childBytes = await store.Content.ReadAllAsync(child.Digest, ManifestReader.MaxSize, cancellationToken).ConfigureAwait(false);
                images.Add((child, childBytes, ManifestReader.Read(childBytes, child.MediaType) as ImageManifest
                    ?? throw new ImageException($"cannot push {source.Familiar}: its index lists another index ({child.Digest}); nested indexes are not pushed")));
            }
        }
        else
        {
            images.Add((descriptor, bytes, (ImageManifest)document));
        }
        foreach (var blob in images.SelectMany(i => i.Image.Layers.Append(i.Image.Config)))
        {
            if (!store.Content.Exists(blob.Digest))
                throw new ImageException($"cannot push {source.Familiar}: blob {blob.Digest} ({blob.MediaType}) is not in the store");
        }

        var endpoint = await _transport.EndpointAsync(target.Domain, cancellationToken).ConfigureAwait(false);
        var mountFrom = options.MountFromSource && source.Domain == target.Domain && source.Path != target.Path ? source.Path : null;
        var scope = $"repository:{target.Path}:pull,push" + (mountFrom is null ? "" : $" repository:{mountFrom}:pull");
        var repository = new Repository(endpoint, target.Path, scope);
        var counts = new int[2];
        foreach (var (child, childBytes, image) in images)
        {
            var layers = image.Layers.DistinctBy(l => l.Digest).ToList();
            await ForEachBoundedAsync(layers, options.MaxConcurrentUploads,
                (layer, t) => PushBlobAsync(repository, layer, store.Content, options.ChunkSize, mountFrom, counts, t), cancellationToken).ConfigureAwait(false);
            await PushBlobAsync(repository, image.Config, store.Content, options.ChunkSize, mountFrom, counts, cancellationToken).ConfigureAwait(false);
            if (!ReferenceEquals(childBytes, bytes))
                await PutManifestAsync(repository, child.Digest.ToString(), child, childBytes, cancellationToken).ConfigureAwait(false);
        }
        await PutManifestAsync(repository, target.Tag ?? descriptor.Digest.ToString(), descriptor, bytes, cancellationToken).ConfigureAwait(false);
        return new PushResult(target, descriptor, counts[0], counts[1]);
    }

    private static Descriptor Select(ImageIndex index, Platform platform, ImageReference reference)
    {
        try
        {
            return index.Select(platform);
        }
        catch (ImageException e)
        {
            throw new ImageException($"{reference.Familiar}: {e.Message}", e);
        }
    }

    private static Uri WithQuery(Uri uri, string query) => new(uri + (string.IsNullOrEmpty(uri.Query) ? "?" : "&") + query);

    /// <summary>Checks a <c>Docker-Content-Digest</c> header, when the registry sends one, against the digest the content has.</summary>
    private static void CheckDigestHeader(HttpResponseMessage response, Digest actual, string what)
    {
        if (!response.Headers.TryGetValues("Docker-Content-Digest", out var values)) return;
        var header = values.FirstOrDefault()?.Trim();
        // Another algorithm (sha512) names the same content differently: only a sha256 can be compared.
        if (header is null || !header.StartsWith("sha256:", StringComparison.Ordinal)) return;
        if (header != actual.ToString())
            throw new ImageException($"{what}: the registry says its digest is {header}, but the content's digest is {actual}");
    }

    /// <summary>Runs <paramref name="action"/> on each item, at most <paramref name="max"/> at once; the first failure cancels the rest and is thrown.</summary>
    private static async Task ForEachBoundedAsync<T>(IReadOnlyList<T> items, int max, Func<T, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        using var slots = new SemaphoreSlim(max);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = items.Select(async item =>
        {
            await slots.WaitAsync(failed.Token).ConfigureAwait(false);
            try
            {
                await action(item, failed.Token).ConfigureAwait(false);
            }
            catch
            {
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
            finally
            {
                slots.Release();
            }
        }).ToList();
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The first real failure is the cause; the other tasks were cancelled because of it.
            var cause = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault(e => e is not OperationCanceledException);
            if (cause is not null) ExceptionDispatchInfo.Throw(cause);
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/>, again when its connection broke off (up to the attempts allowed); a failure that
    /// outlasts them becomes an <see cref="ImageException"/> led by <paramref name="what"/>.
    /// </summary>
    private async Task<T> RunAsync<T>(string what, Func<Task<T>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await _transport.Retry.RunAsync(_ => body(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (RetryPolicy.IsTransient(e, cancellationToken))
        {
            var message = e switch
            {
                TransientRegistryException => e.Message,
                IOException => $"{what}: the transfer broke off: {RegistryTransport.Message(e)}",
                _ => $"{what}: {RegistryTransport.Message(e)}",
            };
            throw new ImageException($"{message} (tried {_transport.Retry.MaxAttempts} times)", e);
        }
    }

    private Task<FetchedManifest> FetchManifestAsync(Repository repository, string tagOrDigest, Digest? expected, Descriptor? described, CancellationToken cancellationToken)
    {
        var what = $"manifest {repository.Endpoint.Domain}/{repository.Name}{(tagOrDigest.StartsWith("sha256:", StringComparison.Ordinal) ? "@" : ":")}{tagOrDigest}";
        return RunAsync(what, async () =>
        {
            using var response = await _transport.SendAsync(repository.Endpoint, repository.Scope, baseUri =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, $"v2/{repository.Name}/manifests/{tagOrDigest}"));
                foreach (var type in ManifestTypes) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
                return request;
            }, idempotent: true, HttpCompletionOption.ResponseHeadersRead, what, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                if (response.StatusCode == HttpStatusCode.NotFound)
                    throw new ImageException($"{what}: not found (no such image, tag or digest in the registry)");
                throw await RegistryTransport.FailureAsync(response, what, cancellationToken).ConfigureAwait(false);
            }
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (!MediaTypes.IsManifest(mediaType) && !MediaTypes.IsIndex(mediaType))
                throw new ImageException($"{what}: the registry served it as {mediaType ?? "no media type"}, which is neither an image manifest nor an index");
            if (described is not null && mediaType != described.MediaType)
                throw new ImageException($"{what}: the registry served it as {mediaType}, but the index says it is {described.MediaType}");
            var bytes = await RegistryTransport.ReadBoundedAsync(response, ManifestReader.MaxSize, what, cancellationToken).ConfigureAwait(false);
            var digest = Digest.Of(bytes);
            if (expected is { } want && digest != want)
                throw new ImageException($"{what}: the registry served content whose digest is {digest}, not the {want} asked for");
            if (described is not null && bytes.Length != described.Size)
                throw new ImageException($"{what}: the registry served {bytes.Length} bytes, not the {described.Size} the index says");
            CheckDigestHeader(response, digest, what);
            object document;
            try
            {
                document = ManifestReader.Read(bytes, mediaType);
            }
            catch (ImageException e)
            {
                throw new ImageException($"{what}: {e.Message}", e);
            }
            return new FetchedManifest(new Descriptor(mediaType!, digest, bytes.Length), bytes, document);
        }, cancellationToken);
    }

    private async Task FetchBlobsAsync(Repository repository, ImageManifest image, ContentStore content, int maxConcurrent,
        IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        if (!Holds(content, image.Config)) await DownloadBlobAsync(repository, image.Config, content, null, cancellationToken).ConfigureAwait(false);
        var missing = new List<Descriptor>();
        foreach (var layer in image.Layers.DistinctBy(l => l.Digest))
        {
            if (Holds(content, layer))
            {
                progress?.Report(new PullProgress(layer.Digest, PullProgressState.AlreadyExists, layer.Size, layer.Size));
                continue;
            }
            missing.Add(layer);
            progress?.Report(new PullProgress(layer.Digest, PullProgressState.Waiting, 0, layer.Size));
        }
        await ForEachBoundedAsync(missing, maxConcurrent, (layer, t) => DownloadBlobAsync(repository, layer, content, progress, t), cancellationToken).ConfigureAwait(false);

        // A blob of the right digest but another size means the manifest lies about it; download (and refuse) it.
        static bool Holds(ContentStore content, Descriptor blob) => content.Exists(blob.Digest) && content.SizeOf(blob.Digest) == blob.Size;
    }

    private Task<bool> DownloadBlobAsync(Repository repository, Descriptor blob, ContentStore content, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        var what = $"blob {blob.Digest} of {repository.Endpoint.Domain}/{repository.Name}";
        return RunAsync(what, async () =>
        {
            progress?.Report(new PullProgress(blob.Digest, PullProgressState.Downloading, 0, blob.Size));
            using var response = await _transport.SendAsync(repository.Endpoint, repository.Scope,
                baseUri => new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, $"v2/{repository.Name}/blobs/{blob.Digest}")),
                idempotent: true, HttpCompletionOption.ResponseHeadersRead, what, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) throw await RegistryTransport.FailureAsync(response, what, cancellationToken).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength is { } length && length != blob.Size)
                throw new ImageException($"{what}: the registry says it is {length} bytes, not the {blob.Size} the manifest says");
            CheckDigestHeader(response, blob.Digest, what);
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var bytes = progress is null ? null : new LayerProgress(progress, blob);
            try
            {
                await content.WriteAsync(stream, blob.Digest, blob.Size, progress: bytes, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (ImageException e)
            {
                throw new ImageException($"{what}: {e.Message}", e);
            }
            progress?.Report(new PullProgress(blob.Digest, PullProgressState.Complete, blob.Size, blob.Size));
            return true;
        }, cancellationToken);
    }

    private async Task PushBlobAsync(Repository repository, Descriptor blob, ContentStore content, int? chunkSize, string? mountFrom, int[] counts,
        CancellationToken cancellationToken)
    {
        var what = $"blob {blob.Digest} to {repository.Endpoint.Domain}/{repository.Name}";
        using (var head = await _transport.SendAsync(repository.Endpoint, repository.Scope,
            baseUri => new HttpRequestMessage(HttpMethod.Head, new Uri(baseUri, $"v2/{repository.Name}/blobs/{blob.Digest}")),
            idempotent: true, HttpCompletionOption.ResponseHeadersRead, what, cancellationToken).ConfigureAwait(false))
        {
            if (head.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref counts[1]);
                return;
            }
            if (head.StatusCode != HttpStatusCode.NotFound) throw await RegistryTransport.FailureAsync(head, what, cancellationToken).ConfigureAwait(false);
        }
        var uploaded = await RunAsync(what, () => UploadBlobAsync(repository, blob, content, chunkSize, mountFrom, what, cancellationToken), cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref counts[uploaded ? 0 : 1]);
    }

    /// <summary>One upload session: POST (a mount, or a new upload), then one PUT or PATCH chunks and a closing PUT. True when bytes were sent, false for a mount.</summary>
    private async Task<bool> UploadBlobAsync(Repository repository, Descriptor blob, ContentStore content, int? chunkSize, string? mountFrom, string what,
        CancellationToken cancellationToken)
    {
        var start = $"v2/{repository.Name}/blobs/uploads/" + (mountFrom is null ? "" : $"?mount={blob.Digest}&from={mountFrom}");
        Uri location;
        using (var started = await SendUploadAsync(repository, _ => null, HttpMethod.Post, b => new Uri(b, start), what, cancellationToken).ConfigureAwait(false))
        {
            if (started.StatusCode == HttpStatusCode.Created && mountFrom is not null) return false;
            if (started.StatusCode != HttpStatusCode.Accepted) throw await UploadFailureAsync(started, what, cancellationToken).ConfigureAwait(false);
            location = NextLocation(started, what);
        }
        var open = new List<IDisposable>();
        try
        {
            if (chunkSize is { } chunk)
            {
                for (long offset = 0; offset < blob.Size; offset += chunk)
                {
                    var data = new byte[(int)Math.Min(chunk, blob.Size - offset)];
                    await using (var file = content.OpenRead(blob.Digest))
                    {
                        file.Seek(offset, SeekOrigin.Begin);
                        await file.ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
                    }
                    var range = $"{offset}-{offset + data.Length - 1}";
                    var at = location;
                    using var patched = await SendUploadAsync(repository, _ =>
                    {
                        var body = new ByteArrayContent(data);
                        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                        // The distribution spec's range is "start-end", without HTTP's "bytes " unit.
                        body.Headers.TryAddWithoutValidation("Content-Range", range);
                        return body;
                    }, HttpMethod.Patch, _ => at, what, cancellationToken).ConfigureAwait(false);
                    if (patched.StatusCode != HttpStatusCode.Accepted) throw await UploadFailureAsync(patched, what, cancellationToken).ConfigureAwait(false);
                    location = NextLocation(patched, what);
                }
            }
            var close = WithQuery(location, $"digest={Uri.EscapeDataString(blob.Digest.ToString())}");
            using var done = await SendUploadAsync(repository, _ =>
            {
                if (chunkSize is not null) return null;
                var file = content.OpenRead(blob.Digest);
                open.Add(file);
                var body = new StreamContent(file);
                body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                body.Headers.ContentLength = blob.Size;
                return body;
            }, HttpMethod.Put, _ => close, what, cancellationToken).ConfigureAwait(false);
            if (done.StatusCode != HttpStatusCode.Created) throw await UploadFailureAsync(done, what, cancellationToken).ConfigureAwait(false);
            CheckDigestHeader(done, blob.Digest, what);
            return true;
        }
        finally
        {
            foreach (var d in open) d.Dispose();
        }
    }

    private Task<HttpResponseMessage> SendUploadAsync(Repository repository, Func<Uri, HttpContent?> content, HttpMethod method, Func<Uri, Uri> uri, string what,
        CancellationToken cancellationToken)
        => _transport.SendAsync(repository.Endpoint, repository.Scope, baseUri =>
        {
            var request = new HttpRequestMessage(method, uri(baseUri)) { Content = content(baseUri) ?? new ByteArrayContent([]) };
            return request;
        }, idempotent: false, HttpCompletionOption.ResponseContentRead, what, cancellationToken);

    /// <summary>An upload's failure: one that may pass starts the upload over (a <see cref="TransientRegistryException"/>), any other is final.</summary>
    private static async Task<Exception> UploadFailureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var failure = await RegistryTransport.FailureAsync(response, what, cancellationToken).ConfigureAwait(false);
        return RetryPolicy.IsTransient(response.StatusCode) ? new TransientRegistryException(failure.Message, failure) : failure;
    }

    /// <summary>Where an upload continues: the answer's <c>Location</c>, which may be relative to the request.</summary>
    private static Uri NextLocation(HttpResponseMessage response, string what)
    {
        var location = response.Headers.Location ?? throw new ImageException($"{what}: the registry's upload answer has no Location");
        return location.IsAbsoluteUri ? location : new Uri(response.RequestMessage!.RequestUri!, location);
    }

    private async Task PutManifestAsync(Repository repository, string tagOrDigest, Descriptor descriptor, byte[] bytes, CancellationToken cancellationToken)
    {
        var what = $"manifest {descriptor.Digest} to {repository.Endpoint.Domain}/{repository.Name}:{tagOrDigest}";
        using var response = await _transport.SendAsync(repository.Endpoint, repository.Scope, baseUri =>
        {
            var body = new ByteArrayContent(bytes);
            body.Headers.ContentType = new MediaTypeHeaderValue(descriptor.MediaType);
            return new HttpRequestMessage(HttpMethod.Put, new Uri(baseUri, $"v2/{repository.Name}/manifests/{tagOrDigest}")) { Content = body };
        }, idempotent: true, HttpCompletionOption.ResponseContentRead, what, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await RegistryTransport.FailureAsync(response, what, cancellationToken).ConfigureAwait(false);
        CheckDigestHeader(response, descriptor.Digest, what);
    }

    /// <summary>A repository of a registry, and the token scope its requests need.</summary>
    private sealed record Repository(RegistryEndpoint Endpoint, string Name, string Scope);

    private sealed record FetchedManifest(Descriptor Descriptor, byte[] Bytes, object Document);

    /// <summary>Turns the content store's bytes-written reports into <see cref="PullProgress"/> for one layer.</summary>
    private sealed class LayerProgress(IProgress<PullProgress> sink, Descriptor layer) : IProgress<long>
    {
        public void Report(long value) => sink.Report(new PullProgress(layer.Digest, PullProgressState.Downloading, value, layer.Size));
    }
}
