namespace Berth.Runtime.Spec;

/// <summary>The root file system: a path relative to the bundle or absolute.</summary>
public sealed class RootSpec
{
    public string Path { get; set; } = "";
    public bool Readonly { get; set; }
}
