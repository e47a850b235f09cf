using System.Collections.Concurrent;
using Berth.ControlPlane;
using Berth.ControlPlane.Images;
using Berth.Engine;
using Berth.Ui.Model;

namespace Berth.Ui.Tests.Fakes;

/// <summary>The node's images held in memory; pulls answer from a script the test sets; every request is recorded.</summary>
public sealed class FakeImageClient : IImageClient
{
    public static readonly Guid PullId = Guid.Parse("9b1e0000-0000-0000-0000-000000000001");

    public List<ImageView> Images { get; set; } =
        [new("busybox:latest", "sha256:" + new string('a', 64), 2_400_000, null), new("alpine:3.20", "sha256:" + new string('b', 64), 3 << 20, Samples.T0)];

    /// <summary>When set, pulls, uploads and removals throw it (the service's refusal).</summary>
    public ControlPlaneException? Refusal { get; set; }

    /// <summary>What <see cref="GetPullAsync"/> answers, one per call; the last one is repeated.</summary>
    public ConcurrentQueue<PullView> PullStates { get; } = new();

    public ConcurrentQueue<string> Pulled { get; } = new();

    public ConcurrentQueue<string> Removed { get; } = new();

    /// <summary>Each upload's tag and the bytes read from its stream.</summary>
    public ConcurrentQueue<(string? Tag, byte[] Bytes)> Uploaded { get; } = new();

    public int PullReads => _pullReads;

    private int _pullReads;
    private PullView? _lastPull;

    public Task<IReadOnlyList<ImageView>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<ImageView>>(Images.ToList());

    public Task<ImageDetails> InspectAsync(string reference, CancellationToken cancellationToken)
    {
        var image = Images.FirstOrDefault(i => i.Reference == reference) ?? throw ControlPlaneException.NotFound($"image {reference}");
        return Task.FromResult(new ImageDetails(image.Reference, image.Id, "sha256:" + new string('c', 64), [image.Reference], "linux/amd64", image.SizeBytes, image.Created,
            "", [], ["sh", "-c", "echo hi"], ["PATH=/usr/bin:/bin"], "/srv", ["80/tcp"], [], new Dictionary<string, string> { ["team"] = "blue" }, null,
            [
                new ImageLayerView("sha256:" + new string('d', 64), "application/vnd.oci.image.layer.v1.tar+gzip", 1_000_000, "sha256:" + new string('e', 64), true),
                new ImageLayerView("sha256:" + new string('f', 64), "application/vnd.oci.image.layer.v1.tar+gzip", 2_000_000, "sha256:" + new string('9', 64), false),
            ]));
    }

    public Task<PullView> PullAsync(string reference, CancellationToken cancellationToken)
    {
        Pulled.Enqueue(reference);
        if (Refusal is { } e) throw e;
        return Task.FromResult(Pull(reference, "queued"));
    }

    public Task<PullView> GetPullAsync(Guid id, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _pullReads);
        if (PullStates.TryDequeue(out var next)) _lastPull = next;
        return Task.FromResult(_lastPull ?? throw ControlPlaneException.NotFound($"pull {id}"));
    }

    public async Task<IReadOnlyList<ImageView>> UploadAsync(Stream archive, string? tag, CancellationToken cancellationToken)
    {
        if (Refusal is { } e) throw e;
        using var copy = new MemoryStream();
        await archive.CopyToAsync(copy, cancellationToken);
        Uploaded.Enqueue((tag, copy.ToArray()));
        var loaded = new ImageView(tag ?? "uploaded:latest", "sha256:" + new string('7', 64), copy.Length, null);
        Images.Add(loaded);
        return [loaded];
    }

    public Task<GarbageReport> RemoveAsync(string reference, CancellationToken cancellationToken)
    {
        Removed.Enqueue(reference);
        if (Refusal is { } e) throw e;
        Images.RemoveAll(i => i.Reference == reference);
        var report = new GarbageReport { Blobs = 2, Bytes = 3 << 20 };
        report.Untagged.Add(reference);
        return Task.FromResult(report);
    }

    /// <summary>A pull of <paramref name="reference"/> in <paramref name="state"/> with the given layers (digest, state, done, total).</summary>
    public static PullView Pull(string reference, string state, string? error = null, string? imageId = null, params (char Digit, string State, long Done, long Total)[] layers)
    {
        var views = layers.Select(l => new PullLayerView("sha256:" + new string(l.Digit, 64), l.State, l.Done, l.Total)).ToList();
        return new PullView(PullId, reference, "node-1", state, error, imageId, views.Sum(l => l.Done), views.Sum(l => l.Total), views, Samples.T0,
            state is "done" or "failed" ? Samples.T0 : null);
    }
}
