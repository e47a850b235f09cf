namespace Berth.Runtime.Spec;

/// <summary>The <c>linux</c> section.</summary>
public sealed class LinuxSpec
{
    public List<NamespaceSpec>? Namespaces { get; set; }
    public List<IdMappingSpec>? UidMappings { get; set; }
    public List<IdMappingSpec>? GidMappings { get; set; }
    public List<DeviceSpec>? Devices { get; set; }
    public string? CgroupsPath { get; set; }
    public ResourcesSpec? Resources { get; set; }
    public Dictionary<string, string>? Sysctl { get; set; }
    public SeccompSpec? Seccomp { get; set; }
    public string? RootfsPropagation { get; set; }
    public List<string>? MaskedPaths { get; set; }
    public List<string>? ReadonlyPaths { get; set; }
    public string? MountLabel { get; set; }
    public PersonalitySpec? Personality { get; set; }
}
