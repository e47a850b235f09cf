using System.Text.Json;

namespace Berth.Data.Entities;

/// <summary>
/// What a container is made from: the definition a template saves and a container was launched with. Stored whole
/// as JSON; treat an instance as immutable (replace it to change it) so that change tracking sees the change.
/// </summary>
public sealed record ContainerSpec
{
    public required string Image { get; init; }

    public IReadOnlyList<string> Command { get; init; } = [];

    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    public long? MemoryBytes { get; init; }

    public double? Cpus { get; init; }

    public long? PidsLimit { get; init; }

    /// <summary><c>HOST:CONTAINER[:ro]</c> bind mounts (admins only) and <c>tmpfs:PATH</c> entries.</summary>
    public IReadOnlyList<string> Mounts { get; init; } = [];

    /// <summary><c>no</c>, <c>on-failure</c>, <c>always</c> or <c>unless-stopped</c>.</summary>
    public string RestartPolicy { get; init; } = "no";

    /// <summary>For <c>on-failure</c>: at most this many restarts in a row (null: no limit).</summary>
    public int? MaxRetries { get; init; }

    public HealthCheckSpec? HealthCheck { get; init; }

    /// <summary>Seconds from start after which the container is stopped (a sandbox's time to live).</summary>
    public int? TtlSeconds { get; init; }

    /// <summary>Seconds of near-zero CPU after which a running container is stopped.</summary>
    public int? IdleStopSeconds { get; init; }

    /// <summary>
    /// <c>auto</c>: a user namespace of its own, root inside an unprivileged host range; <c>host</c>: the host's.
    /// Null in definitions saved before the field existed: the control plane's default applies at launch.
    /// </summary>
    public string? UserNamespace { get; init; }

    /// <summary>
    /// The seccomp filter: null for the engine's default profile, the string <c>unconfined</c> for none, or an
    /// object, a profile in the runtime spec's <c>linux.seccomp</c> form. Kept as the JSON it was given in.
    /// </summary>
    public JsonElement? SeccompProfile { get; init; }

    /// <summary>
    /// <c>none</c> (a network namespace with only loopback), <c>team</c> (the team's bridge network on the node) or
    /// <c>host</c> (admins only). Null in definitions saved before the field existed: they launch with none, as before.
    /// </summary>
    public string? Network { get; init; }

    /// <summary>Published ports, <c>[HOST-IP:]HOST-PORT:CONTAINER-PORT[/tcp|udp]</c> each, as given; on the team network only.</summary>
    public IReadOnlyList<string> Ports { get; init; } = [];
}
