namespace Berth.Images.Registry;

/// <summary>What <see cref="RegistryClient.PullAsync"/> pulls and how.</summary>
public sealed class PullOptions
{
    /// <summary>The platform to pick from a multi-platform image (an index); <c>linux/amd64</c> by default.</summary>
    public Platform Platform { get; init; } = Platform.Default;

    /// <summary>How many layers download at once (at least 1); 3 by default, as Docker.</summary>
    public int MaxConcurrentDownloads { get; init; } = 3;
}
