namespace Berth.Images.Registry;

/// <summary>How <see cref="RegistryClient.PushAsync"/> uploads.</summary>
public sealed class PushOptions
{
    /// <summary>How many blobs upload at once (at least 1); 3 by default.</summary>
    public int MaxConcurrentUploads { get; init; } = 3;

    /// <summary>
    /// Null (the default) uploads each blob in one PUT (the monolithic flow); a size sends blobs in PATCH chunks of at
    /// most that many bytes, then a closing PUT (the chunked flow, for registries or proxies that limit request sizes).
    /// </summary>
    public int? ChunkSize { get; init; }

    /// <summary>
    /// Whether a blob is first offered for a cross-repository mount from the source's repository when source and
    /// target are in the same registry (the registry then links it without an upload); true by default.
    /// </summary>
    public bool MountFromSource { get; init; } = true;
}
