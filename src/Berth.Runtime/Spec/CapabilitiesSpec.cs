namespace Berth.Runtime.Spec;

/// <summary>The five capability sets, by name (<c>CAP_SYS_ADMIN</c>).</summary>
public sealed class CapabilitiesSpec
{
    public List<string>? Bounding { get; set; }
    public List<string>? Effective { get; set; }
    public List<string>? Inheritable { get; set; }
    public List<string>? Permitted { get; set; }
    public List<string>? Ambient { get; set; }
}
