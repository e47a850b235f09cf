namespace Berth.Images;

/// <summary>A content descriptor: what a blob is (media type), its digest and size, and for an index entry its platform.</summary>
public sealed record Descriptor(string MediaType, Digest Digest, long Size)
{
    /// <summary>The platform of a manifest listed in an index.</summary>
    public Platform? Platform { get; init; }

    /// <summary>The descriptor's annotations (such as <c>org.opencontainers.image.ref.name</c>).</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>URLs a non-distributable layer is fetched from instead of the registry.</summary>
    public IReadOnlyList<string> Urls { get; init; } = [];

    /// <summary>Equal when every field is, the annotations and URLs compared by content.</summary>
    public bool Equals(Descriptor? other)
        => other is not null && MediaType == other.MediaType && Digest == other.Digest && Size == other.Size && Platform == other.Platform
            && Urls.SequenceEqual(other.Urls)
            && Annotations.Count == other.Annotations.Count
            && Annotations.All(a => other.Annotations.TryGetValue(a.Key, out var v) && v == a.Value);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(MediaType, Digest, Size, Platform);
}
