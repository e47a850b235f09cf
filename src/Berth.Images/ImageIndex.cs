namespace Berth.Images;

/// <summary>An index (OCI image index or Docker manifest list): the manifests of an image for several platforms.</summary>
public sealed record ImageIndex(string MediaType, IReadOnlyList<Descriptor> Manifests)
{
    /// <summary>
    /// The manifest for <paramref name="platform"/>: the first entry whose platform matches (a missing variant on
    /// either side matches any).
    /// </summary>
    /// <exception cref="ImageException">No entry is for that platform; the message lists those there are.</exception>
    public Descriptor Select(Platform platform)
    {
        var match = Manifests.FirstOrDefault(m => m.Platform is { } p && platform.Matches(p) && MediaTypes.IsManifest(m.MediaType));
        if (match is not null) return match;
        var offered = Manifests.Where(m => m.Platform is not null).Select(m => m.Platform!.ToString()).Distinct().ToList();
        throw new ImageException($"the image has no manifest for {platform}; it is built for {(offered.Count == 0 ? "no named platform" : string.Join(", ", offered))}");
    }
}
