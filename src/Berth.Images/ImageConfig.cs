namespace Berth.Images;

/// <summary>
/// What an image's config blob says about how to run it and what it is made of (the OCI image config, which Docker's
/// is a superset of). Only the fields Berth uses are kept.
/// </summary>
public sealed record ImageConfig
{
    /// <summary>The platform the image is built for.</summary>
    public required Platform Platform { get; init; }

    /// <summary>The user to run as (<c>name</c>, <c>uid</c>, <c>name:group</c> or <c>uid:gid</c>); empty for root.</summary>
    public string User { get; init; } = "";

    /// <summary>The environment, <c>NAME=value</c> each.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    /// <summary>The program and its first arguments.</summary>
    public IReadOnlyList<string> Entrypoint { get; init; } = [];

    /// <summary>The default arguments (after the entrypoint), or the program when there is no entrypoint.</summary>
    public IReadOnlyList<string> Cmd { get; init; } = [];

    /// <summary>The working directory; empty for <c>/</c>.</summary>
    public string WorkingDir { get; init; } = "";

    /// <summary>Ports the image says it listens on, such as <c>80/tcp</c>.</summary>
    public IReadOnlyList<string> ExposedPorts { get; init; } = [];

    /// <summary>Paths the image wants kept as volumes.</summary>
    public IReadOnlyList<string> Volumes { get; init; } = [];

    /// <summary>The image's labels.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The signal that stops a container of the image (such as <c>SIGTERM</c>); null for the default.</summary>
    public string? StopSignal { get; init; }

    /// <summary>The image's health check, if it has one.</summary>
    public HealthcheckConfig? Healthcheck { get; init; }

    /// <summary>The digests of the uncompressed layers, bottom first (<c>rootfs.diff_ids</c>).</summary>
    public IReadOnlyList<Digest> DiffIds { get; init; } = [];

    /// <summary>The program and arguments a container runs when none are given: entrypoint then cmd.</summary>
    public IReadOnlyList<string> DefaultArgs => [.. Entrypoint, .. Cmd];
}
