namespace Berth.Data.Entities;

/// <summary>
/// A container's health check: a command run inside it (<see cref="Command"/>) or an HTTP GET to a port inside
/// its network namespace (<see cref="HttpPort"/>); after <see cref="Retries"/> failures in a row, <see cref="Action"/>.
/// </summary>
public sealed record HealthCheckSpec
{
    /// <summary>A shell command run inside the container (<c>/bin/sh -c</c>); exit 0 means healthy.</summary>
    public string? Command { get; init; }

    public int? HttpPort { get; init; }

    public string HttpPath { get; init; } = "/";

    public int IntervalSeconds { get; init; } = 10;

    public int TimeoutSeconds { get; init; } = 5;

    public int Retries { get; init; } = 3;

    /// <summary><c>restart</c>, <c>stop</c> or <c>none</c> (only recorded).</summary>
    public string Action { get; init; } = "restart";
}
