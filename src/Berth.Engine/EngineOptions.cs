namespace Berth.Engine;

/// <summary>Where one node's engine keeps its data, and how it reaches the runtime.</summary>
public sealed class EngineOptions
{
    /// <summary>The default data root.</summary>
    public const string DefaultDataRoot = "/var/lib/berth";

    /// <summary>Images, snapshots, containers and events (default <c>/var/lib/berth</c>).</summary>
    public string DataRoot { get; init; } = DefaultDataRoot;

    /// <summary>The runtime's state root (default <c>/run/berth</c>, as <c>berth --root</c>).</summary>
    public string RuntimeRoot { get; init; } = "/run/berth";

    /// <summary>The berth binary, re-executed for the shim, the monitor and the init.</summary>
    public string BerthPath { get; init; } = Environment.ProcessPath ?? "/proc/self/exe";

    /// <summary>The cgroup under which containers' cgroups are made (default: the caller's own).</summary>
    public string? CgroupParent { get; init; }

    /// <summary>Registry credentials, a file shaped as Docker's <c>config.json</c>; null for none.</summary>
    public string? RegistryConfig { get; init; }

    /// <summary>Registries (<c>host[:port]</c>) that may be reached over plain HTTP besides loopback ones.</summary>
    public IReadOnlyList<string> InsecureRegistries { get; init; } = [];

    /// <summary>
    /// Keep one shim started ahead, waiting for the next container (for a long-lived engine, the control plane's): a
    /// start then skips the shim's process start and set-up. The owner calls <see cref="ContainerEngine.ReleaseReadyShim"/>
    /// when it stops. Off by default: a one-shot caller (the CLI) would leave a waiting shim behind for nothing.
    /// </summary>
    public bool KeepShimReady { get; init; }
}
