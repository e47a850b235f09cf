namespace Berth.ControlPlane.Images;

/// <summary>
/// A pull as the API shows it: <c>queued</c>, <c>running</c>, <c>done</c> or <c>failed</c> (with the error), its
/// layers' progress, and the bytes of all of them.
/// </summary>
public sealed record PullView(Guid Id, string Reference, string Node, string State, string? Error, string? ImageId, long BytesDone, long BytesTotal,
    IReadOnlyList<PullLayerView> Layers, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt);
