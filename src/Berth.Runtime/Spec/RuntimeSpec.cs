namespace Berth.Runtime.Spec;

/// <summary>An OCI runtime-spec 1.x <c>config.json</c> (the parts Berth reads; unknown fields are kept out).</summary>
public sealed class RuntimeSpec
{
    public string? OciVersion { get; set; }
    public ProcessSpec? Process { get; set; }
    public RootSpec? Root { get; set; }
    public string? Hostname { get; set; }
    public string? Domainname { get; set; }
    public List<MountSpec>? Mounts { get; set; }
    public HooksSpec? Hooks { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public LinuxSpec? Linux { get; set; }
}
