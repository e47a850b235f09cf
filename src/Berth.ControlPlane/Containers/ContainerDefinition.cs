using System.Text.Json;
using Berth.Data.Entities;

namespace Berth.ControlPlane.Containers;

/// <summary>
/// The definition fields of a container as the API takes and shows them: what a launch asks for and what a template
/// saves. A field left null takes the template's value (for a launch) or the control plane's default.
/// </summary>
public class ContainerDefinition
{
    public string? Image { get; set; }

    public List<string>? Command { get; set; }

    public long? MemoryBytes { get; set; }

    public double? Cpus { get; set; }

    public long? PidsLimit { get; set; }

    public Dictionary<string, string>? Env { get; set; }

    public List<string>? Mounts { get; set; }

    public string? RestartPolicy { get; set; }

    public int? MaxRetries { get; set; }

    public HealthCheckSpec? HealthCheck { get; set; }

    public int? TtlSeconds { get; set; }

    public int? IdleStopSeconds { get; set; }

    /// <summary><c>auto</c> (a user namespace of its own; the default of <c>Berth:DefaultUserNamespace</c>) or <c>host</c>.</summary>
    public string? UserNamespace { get; set; }

    /// <summary>
    /// The seccomp filter: left out (or <c>default</c>) for the engine's default profile, <c>unconfined</c> for
    /// none, or a profile object in the runtime spec's <c>linux.seccomp</c> form.
    /// </summary>
    public JsonElement? SeccompProfile { get; set; }

    /// <summary>
    /// <c>none</c> (the default: only loopback), <c>team</c> (the team's own bridge network on the node, where the
    /// team's containers reach each other by name) or <c>host</c> (the host's network; admins only).
    /// </summary>
    public string? Network { get; set; }

    /// <summary>
    /// Published ports, each <c>[HOST-IP:]HOST-PORT:CONTAINER-PORT[/tcp|udp]</c> as Docker's short form (host IP
    /// 127.0.0.1 unless given); only with <c>network</c> <c>team</c>.
    /// </summary>
    public List<string>? Ports { get; set; }

    /// <summary>The definition as a spec: fields left null stay null (defaults apply at launch), lists and maps empty.</summary>
    public ContainerSpec ToSpec() => new()
    {
        Image = Image ?? "",
        Command = Command ?? [],
        Env = Env ?? new Dictionary<string, string>(),
        MemoryBytes = MemoryBytes,
        Cpus = Cpus,
        PidsLimit = PidsLimit,
        Mounts = Mounts ?? [],
        RestartPolicy = RestartPolicy ?? "no",
        MaxRetries = MaxRetries,
        HealthCheck = HealthCheck,
        TtlSeconds = TtlSeconds,
        IdleStopSeconds = IdleStopSeconds,
        UserNamespace = UserNamespace,
        SeccompProfile = SeccompProfile is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } profile ? profile.Clone() : null,
        Network = Network,
        Ports = Ports ?? [],
    };

    /// <summary>Copies the fields of <paramref name="spec"/> into this definition.</summary>
    protected void CopyFrom(ContainerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Image = spec.Image;
        Command = [.. spec.Command];
        Env = new Dictionary<string, string>(spec.Env);
        MemoryBytes = spec.MemoryBytes;
        Cpus = spec.Cpus;
        PidsLimit = spec.PidsLimit;
        Mounts = [.. spec.Mounts];
        RestartPolicy = spec.RestartPolicy;
        MaxRetries = spec.MaxRetries;
        HealthCheck = spec.HealthCheck;
        TtlSeconds = spec.TtlSeconds;
        IdleStopSeconds = spec.IdleStopSeconds;
        UserNamespace = spec.UserNamespace;
        SeccompProfile = spec.SeccompProfile;
        Network = spec.Network;
        Ports = [.. spec.Ports];
    }
}
