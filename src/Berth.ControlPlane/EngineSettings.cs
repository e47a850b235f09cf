namespace Berth.ControlPlane;

/// <summary>The local node's engine (section <c>Berth:Engine</c>).</summary>
public sealed class EngineSettings
{
    public string DataRoot { get; set; } = Engine.EngineOptions.DefaultDataRoot;

    public string RuntimeRoot { get; set; } = "/run/berth";

    /// <summary>The NativeAOT <c>berth</c> binary: the shim, monitor and init of every container.</summary>
    public string BerthPath { get; set; } = "";

    /// <summary>The cgroup under which containers' cgroups are made (default: the host process's own).</summary>
    public string? CgroupParent { get; set; }
}
