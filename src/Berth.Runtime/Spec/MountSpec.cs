namespace Berth.Runtime.Spec;

/// <summary>One entry of <c>mounts</c>.</summary>
public sealed class MountSpec
{
    public string Destination { get; set; } = "";
    public string? Type { get; set; }
    public string? Source { get; set; }
    public List<string>? Options { get; set; }
}
