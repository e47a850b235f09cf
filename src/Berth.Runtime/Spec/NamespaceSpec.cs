namespace Berth.Runtime.Spec;

/// <summary>A namespace to create (no path) or to join (path to an nsfs file).</summary>
public sealed class NamespaceSpec
{
    public string Type { get; set; } = "";
    public string? Path { get; set; }
}
