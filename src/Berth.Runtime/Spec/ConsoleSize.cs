namespace Berth.Runtime.Spec;

/// <summary>Terminal size in characters.</summary>
public sealed class ConsoleSize
{
    public ushort Height { get; set; }
    public ushort Width { get; set; }
}
