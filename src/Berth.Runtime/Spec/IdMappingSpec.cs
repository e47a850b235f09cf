namespace Berth.Runtime.Spec;

/// <summary>A user-namespace id mapping.</summary>
public sealed class IdMappingSpec
{
    public uint ContainerID { get; set; }
    public uint HostID { get; set; }
    public uint Size { get; set; }
}
