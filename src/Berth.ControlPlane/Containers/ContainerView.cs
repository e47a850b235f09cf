using System.Text.Json;
using Berth.Data.Entities;

namespace Berth.ControlPlane.Containers;

/// <summary>A container as the API and the UI show it.</summary>
public sealed record ContainerView(
    Guid Id, string Name, Guid TeamId, string Team, Guid OwnerId, string Owner, string Node, string Image,
    IReadOnlyList<string> Command, IReadOnlyDictionary<string, string> Env, long? MemoryBytes, double? Cpus, long? PidsLimit,
    IReadOnlyList<string> Mounts, string RestartPolicy, int? MaxRetries, HealthCheckSpec? HealthCheck, int? TtlSeconds, int? IdleStopSeconds,
    string? UserNamespace, JsonElement? SeccompProfile, string Network, IReadOnlyList<string> Ports, string? IpAddress, string State, string DesiredState, int? ExitCode, string? Error, string? Health, int RestartCount, string? EngineId,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, DateTimeOffset? ExpiresAt, Guid? TemplateId)
{
    /// <summary>The view of <paramref name="c"/>; <paramref name="ipAddress"/> is its address while it runs on a bridge network.</summary>
    public static ContainerView From(Container c, string team, string owner, string? ipAddress)
    {
        ArgumentNullException.ThrowIfNull(c);
        var s = c.Spec;
        return new ContainerView(c.Id, c.Name, c.TeamId, team, c.OwnerId, owner, c.NodeId, s.Image, s.Command, s.Env, s.MemoryBytes, s.Cpus, s.PidsLimit,
            s.Mounts, s.RestartPolicy, s.MaxRetries, s.HealthCheck, s.TtlSeconds, s.IdleStopSeconds, s.UserNamespace, s.SeccompProfile,
            s.Network ?? SpecValidator.NetworkNone, s.Ports, ipAddress, c.State, c.Desired.ToString().ToLowerInvariant(),
            c.LastExitCode, c.LastError, c.Health, c.RestartCount, c.EngineId, c.CreatedAt, c.StartedAt, c.FinishedAt, c.ExpiresAt, c.TemplateId);
    }
}
