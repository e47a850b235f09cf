namespace Berth.Runtime.Spec;

/// <summary>The pids limit.</summary>
public sealed class PidsSpec
{
    public long Limit { get; set; }
}
