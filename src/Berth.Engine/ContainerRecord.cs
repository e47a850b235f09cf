namespace Berth.Engine;

/// <summary>
/// A container as the engine keeps it in <c>DATA/containers/ID/container.json</c>: what it was created from and
/// with (its configuration never changes), and its last known state, which only its shim writes once started.
/// </summary>
public sealed class ContainerRecord
{
    /// <summary>64 lowercase hex digits, as Docker's.</summary>
    public required string Id { get; init; }

    /// <summary>A unique name (given, or made of two words).</summary>
    public required string Name { get; init; }

    /// <summary>The image as the user named it, normalised (<c>docker.io/library/busybox:latest</c>).</summary>
    public required string Image { get; init; }

    /// <summary>The image's id: the digest of its config.</summary>
    public required string ImageId { get; init; }

    /// <summary>The digest of the manifest the container was made from.</summary>
    public required string ManifestDigest { get; init; }

    /// <summary>The chain ids of the image's layers, bottom first (the snapshots the container stands on).</summary>
    public List<string> Snapshots { get; init; } = [];

    public DateTimeOffset Created { get; init; }

    /// <summary>What runs: the program and its arguments.</summary>
    public List<string> Args { get; init; } = [];

    public List<string> Env { get; init; } = [];

    public string WorkingDir { get; init; } = "/";

    /// <summary>The user as asked for (image or <c>-u</c>), empty for root.</summary>
    public string User { get; init; } = "";

    public string Hostname { get; init; } = "";

    public bool Tty { get; init; }

    public bool OpenStdin { get; init; }

    public bool AutoRemove { get; init; }

    public bool ReadOnly { get; init; }

    public RestartPolicy Restart { get; init; } = RestartPolicy.No;

    public string StopSignal { get; init; } = "SIGTERM";

    public int StopTimeout { get; init; } = 10;

    public long? Memory { get; init; }

    public double? Cpus { get; init; }

    public long? PidsLimit { get; init; }

    /// <summary><c>none</c>, <c>host</c> or a bridge network's name.</summary>
    public string Network { get; init; } = "none";

    /// <summary>Published ports, canonical (<c>127.0.0.1:8080:80/tcp</c>).</summary>
    public List<string> Ports { get; init; } = [];

    /// <summary>More names on its bridge network (<see cref="RunOptions.NetworkAliases"/>).</summary>
    public List<string> NetworkAliases { get; init; } = [];

    public List<string> Binds { get; init; } = [];

    public List<string> Tmpfs { get; init; } = [];

    public List<string> ExposedPorts { get; init; } = [];

    public List<string> Volumes { get; init; } = [];

    public Dictionary<string, string> Labels { get; init; } = [];

    /// <summary>The host ids of its user namespace (<c>--userns auto</c>); null when it shares the host's.</summary>
    public UserNamespaceRange? UserNamespace { get; set; }

    /// <summary>
    /// <see cref="SeccompProfiles.Default"/>, <see cref="SeccompProfiles.Unconfined"/> or
    /// <see cref="SeccompProfiles.Custom"/> (then <see cref="SeccompProfile"/> is the profile).
    /// </summary>
    public string Seccomp { get; init; } = SeccompProfiles.Default;

    /// <summary>The user's profile when <see cref="Seccomp"/> is <see cref="SeccompProfiles.Custom"/>.</summary>
    public Berth.Runtime.Spec.SeccompSpec? SeccompProfile { get; init; }

    /// <summary>How its health is probed; null when it is not.</summary>
    public HealthSettings? Healthcheck { get; init; }

    /// <summary>The last known state.</summary>
    public ContainerRunState State { get; set; } = new();
}
