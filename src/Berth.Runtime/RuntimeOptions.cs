namespace Berth.Runtime;

/// <summary>Where the runtime keeps state and how it re-executes itself.</summary>
public sealed class RuntimeOptions
{
    /// <summary>The state root (runc's <c>--root</c>); default <c>/run/berth</c>.</summary>
    public string Root { get; init; } = "/run/berth";

    /// <summary>The berth binary re-executed as monitor and init; default the running executable.</summary>
    public string BerthPath { get; init; } = Environment.ProcessPath ?? "/proc/self/exe";

    /// <summary>Parent of container cgroups in every hierarchy; default the caller's own cgroup.</summary>
    public string? CgroupParent { get; init; }
}
