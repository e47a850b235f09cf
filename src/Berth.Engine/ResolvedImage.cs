using Berth.Images;

namespace Berth.Engine;

/// <summary>An image found in the store: the manifest for this platform, its config, and the name it was found by.</summary>
public sealed record ResolvedImage(ImageReference? Reference, Descriptor ManifestDescriptor, ImageManifest Manifest, Digest ConfigDigest, ImageConfig Config)
{
    /// <summary>The image id (the config's digest), as Docker shows it.</summary>
    public string Id => ConfigDigest.ToString();
}
