using System.ComponentModel.DataAnnotations;

namespace Berth.ControlPlane;

/// <summary>The control plane's settings (section <c>Berth</c>), validated at start.</summary>
public sealed class ControlPlaneOptions
{
    public const string Section = "Berth";

    /// <summary>This node's id in the database (default: the host name).</summary>
    [Required, RegularExpression("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$")]
    public string NodeName { get; set; } = Environment.MachineName;

    /// <summary>The host's own files: the audit chain's anchor. Must not be inside the database.</summary>
    [Required]
    public string DataDirectory { get; set; } = "/var/lib/berth/host";

    /// <summary>Run launches and other container jobs of this node in-process as soon as they are committed (Hangfire only re-drives); false sends every job through the node's Hangfire queue.</summary>
    public bool LocalFastPath { get; set; } = true;

    /// <summary>How long <c>POST /containers</c> waits for the container to run before answering with its state so far.</summary>
    [Range(0, 600)]
    public int LaunchWaitSeconds { get; set; } = 30;

    /// <summary>Stats sampling period for live feeds.</summary>
    [Range(100, 60_000)]
    public int StatsIntervalMilliseconds { get; set; } = 1000;

    /// <summary>How often usage samples are written to the database.</summary>
    [Range(1, 3600)]
    public int UsageFlushSeconds { get; set; } = 10;

    /// <summary>How long raw usage samples are kept (roll-ups are kept for good).</summary>
    [Range(1, 3650)]
    public int SampleRetentionDays { get; set; } = 7;

    /// <summary>How long events of removed containers are kept.</summary>
    [Range(1, 3650)]
    public int EventRetentionDays { get; set; } = 90;

    /// <summary>Limits given to a container that names none, so that quotas stay meaningful.</summary>
    [Range(4 * 1024 * 1024, long.MaxValue)]
    public long DefaultMemoryBytes { get; set; } = 512L * 1024 * 1024;

    [Range(0.01, 1024)]
    public double DefaultCpus { get; set; } = 1;

    [Range(1, 4_194_304)]
    public long DefaultPidsLimit { get; set; } = 1024;

    /// <summary>
    /// The user namespace of a launch that names none: <c>auto</c> (team sandboxes run with root inside an
    /// unprivileged host range of their own) or <c>host</c>.
    /// </summary>
    [RegularExpression("^(auto|host)$")]
    public string DefaultUserNamespace { get; set; } = "auto";

    /// <summary>CPU below this share of one core counts as idle for idle auto-stop.</summary>
    [Range(0, 1)]
    public double IdleCpuFraction { get; set; } = 0.01;

    /// <summary>The engine: where its data and the runtime's state live, and the berth binary it re-executes.</summary>
    public EngineSettings Engine { get; set; } = new();
}
