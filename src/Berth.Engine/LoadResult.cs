namespace Berth.Engine;

/// <summary>What a load did: the names it set, and the ids of images that had none.</summary>
public sealed class LoadResult
{
    public List<string> Names { get; } = [];

    public List<string> Unnamed { get; } = [];
}
