namespace Berth.Runtime.Spec;

/// <summary>A seccomp argument comparison.</summary>
public sealed class SeccompArgSpec
{
    public uint Index { get; set; }
    public ulong Value { get; set; }
    public ulong ValueTwo { get; set; }
    public string Op { get; set; } = "";
}
