namespace Berth.Runtime.Spec;

/// <summary>The container's process: <c>process</c> in config.json, also the input of <c>exec --process</c>.</summary>
public sealed class ProcessSpec
{
    public bool Terminal { get; set; }
    public ConsoleSize? ConsoleSize { get; set; }
    public UserSpec User { get; set; } = new();
    public List<string>? Args { get; set; }
    public List<string>? Env { get; set; }
    public string Cwd { get; set; } = "/";
    public CapabilitiesSpec? Capabilities { get; set; }
    public List<RlimitSpec>? Rlimits { get; set; }
    public bool NoNewPrivileges { get; set; }
    public string? ApparmorProfile { get; set; }
    public int? OomScoreAdj { get; set; }
    public string? SelinuxLabel { get; set; }
}
