namespace Berth.Images.Registry;

/// <summary>A pushed image.</summary>
/// <param name="Target">Where it was pushed.</param>
/// <param name="Manifest">The pushed manifest or index (the one the target's tag now names), as the registry keeps it.</param>
/// <param name="BlobsUploaded">How many blobs were uploaded.</param>
/// <param name="BlobsSkipped">How many blobs the registry already held, or mounted from the source repository.</param>
public sealed record PushResult(ImageReference Target, Descriptor Manifest, int BlobsUploaded, int BlobsSkipped);
