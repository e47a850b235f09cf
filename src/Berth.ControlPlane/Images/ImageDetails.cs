namespace Berth.ControlPlane.Images;

/// <summary>
/// An image on a node as <c>image inspect</c> tells it: its id (the config's digest), the digest of the manifest it
/// was found by, every name the node has for it, its platform, size (config and compressed layers), when it was built
/// (when its config says), how it runs (the config fields Berth reads) and its layers, bottom first.
/// </summary>
public sealed record ImageDetails(
    string Reference,
    string Id,
    string ManifestDigest,
    IReadOnlyList<string> Names,
    string Platform,
    long SizeBytes,
    DateTimeOffset? Created,
    string User,
    IReadOnlyList<string> Entrypoint,
    IReadOnlyList<string> Cmd,
    IReadOnlyList<string> Env,
    string WorkingDir,
    IReadOnlyList<string> ExposedPorts,
    IReadOnlyList<string> Volumes,
    IReadOnlyDictionary<string, string> Labels,
    string? StopSignal,
    IReadOnlyList<ImageLayerView> Layers);
