namespace Berth.Runtime.Spec;

/// <summary>A resource limit such as <c>RLIMIT_NOFILE</c>.</summary>
public sealed class RlimitSpec
{
    public string Type { get; set; } = "";
    public ulong Hard { get; set; }
    public ulong Soft { get; set; }
}
