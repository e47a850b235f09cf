using Berth.Data.Entities;

namespace Berth.ControlPlane.Containers;

/// <summary>The body of <c>POST /api/v1/containers</c>: a container from an image, or from a template with overrides.</summary>
public sealed class CreateContainerRequest
{
    public string? Image { get; set; }

    public List<string>? Command { get; set; }

    public string? Name { get; set; }

    /// <summary>The team's name or id; may be left out when the caller operates exactly one team.</summary>
    public string? Team { get; set; }

    public Guid? TemplateId { get; set; }

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

    /// <summary>Record the container without starting it.</summary>
    public bool Start { get; set; } = true;
}
