namespace Berth.Runtime.Spec;

/// <summary>The numeric user the process runs as.</summary>
public sealed class UserSpec
{
    public uint Uid { get; set; }
    public uint Gid { get; set; }
    public uint? Umask { get; set; }
    public List<uint>? AdditionalGids { get; set; }
}
