namespace Berth.Engine;

/// <summary>What a user asks of a new container (<c>berth run</c>'s flags, or the control plane's definition).</summary>
public sealed class RunOptions
{
    /// <summary>The image reference, as typed (<c>busybox</c>, <c>registry:5000/app@sha256:…</c>).</summary>
    public required string Image { get; init; }

    /// <summary>A name; null for a generated one.</summary>
    public string? Name { get; init; }

    /// <summary>The command (arguments after the image); null for the image's.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>The entrypoint in place of the image's; null keeps the image's, empty removes it.</summary>
    public string? Entrypoint { get; init; }

    /// <summary><c>KEY=value</c> entries added to (and overriding) the image's environment.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    public string? WorkingDir { get; init; }

    public string? User { get; init; }

    public string? Hostname { get; init; }

    public bool Tty { get; init; }

    /// <summary>Keep the container's stdin open (<c>-i</c>).</summary>
    public bool Interactive { get; init; }

    /// <summary>Remove the container once it exits (<c>--rm</c>).</summary>
    public bool AutoRemove { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary>The memory limit in bytes.</summary>
    public long? Memory { get; init; }

    /// <summary>How many CPUs' worth of time (<c>--cpus 1.5</c>).</summary>
    public double? Cpus { get; init; }

    /// <summary>The pids limit; null for <see cref="DefaultSecurity.PidsLimit"/>, 0 or less for none.</summary>
    public long? PidsLimit { get; init; }

    /// <summary><c>PATH[:OPTIONS]</c> each.</summary>
    public IReadOnlyList<string> Tmpfs { get; init; } = [];

    /// <summary><c>HOST:CONTAINER[:ro|rw]</c> each.</summary>
    public IReadOnlyList<string> Volumes { get; init; } = [];

    public RestartPolicy Restart { get; init; } = RestartPolicy.No;

    /// <summary>
    /// <c>none</c> (the default: a network namespace with only loopback), <c>host</c>, or the name of a bridge network
    /// (<c>berth</c>, the default one, is made on first use).
    /// </summary>
    public string Network { get; init; } = "none";

    /// <summary>Published ports, <c>[HOST-IP:]HOST-PORT:CONTAINER-PORT[/tcp|udp]</c> each (<c>-p</c>); a bridge network only.</summary>
    public IReadOnlyList<string> Ports { get; init; } = [];

    /// <summary>
    /// More names the other containers of its bridge network reach it by, besides its name (Docker's
    /// <c>--network-alias</c>): the control plane gives its own name for a container, whose engine name is an id.
    /// </summary>
    public IReadOnlyList<string> NetworkAliases { get; init; } = [];

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public string? StopSignal { get; init; }

    /// <summary>A health probe run by a shell (<c>--health-cmd</c>), in place of the image's.</summary>
    public string? HealthCommand { get; init; }

    public TimeSpan? HealthInterval { get; init; }

    public TimeSpan? HealthTimeout { get; init; }

    public TimeSpan? HealthStartPeriod { get; init; }

    public int? HealthRetries { get; init; }

    /// <summary>No health probes, whatever the image says (<c>--no-healthcheck</c>).</summary>
    public bool NoHealthcheck { get; init; }

    public int? StopTimeout { get; init; }

    /// <summary>
    /// <c>host</c> (the default: the host's user namespace) or <c>auto</c>: a user namespace of its own whose root is
    /// an unprivileged host range taken from the node's pool (<see cref="UserNamespacePool"/>), as Podman's
    /// <c>--userns auto</c>.
    /// </summary>
    public string UserNamespace { get; init; } = "host";

    /// <summary>
    /// The seccomp filter: null for the engine's default profile (<see cref="DefaultSecurity.Seccomp"/>),
    /// <c>unconfined</c> for none, or a profile as JSON text in the runtime spec's <c>linux.seccomp</c> form
    /// (<see cref="SeccompProfiles.Parse(string)"/>).
    /// </summary>
    public string? SeccompProfile { get; init; }
}
