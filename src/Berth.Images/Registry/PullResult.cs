namespace Berth.Images.Registry;

/// <summary>
/// A pulled image: the manifest for the chosen platform (what the name now points at) and, when the registry served a
/// multi-platform image, the index it was chosen from.
/// </summary>
/// <param name="Reference">The reference pulled, as given.</param>
/// <param name="Manifest">The platform manifest's descriptor (its digest, size and media type).</param>
/// <param name="Image">The platform manifest: config and layers.</param>
/// <param name="Index">The index the manifest was chosen from, or null when the reference named a manifest.</param>
public sealed record PullResult(ImageReference Reference, Descriptor Manifest, ImageManifest Image, Descriptor? Index)
{
    /// <summary>The digest the registry knows the image by (Docker's RepoDigest): the index's when there is one, else the manifest's.</summary>
    public Digest RepositoryDigest => Index?.Digest ?? Manifest.Digest;
}
