namespace Berth.ControlPlane.Containers;

/// <summary>One run of a container as the API shows it; <see cref="StartedBy"/> is null for restarts by policy.</summary>
public sealed record RunView(Guid Id, Guid ContainerId, string Container, Guid TeamId, string Image, string? StartedBy,
    DateTimeOffset StartedAt, DateTimeOffset? EndedAt, int? ExitCode, int? Signal, bool OomKilled, string? Reason);
