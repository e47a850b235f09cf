namespace Berth.ControlPlane.History;

/// <summary>
/// Which runs to read: team (name or id), the user who started them (name or id), the image (as launched), how they
/// ended (<c>ok</c>: exit code 0; <c>failed</c>: any other exit code, signals and OOM kills included; <c>oom</c>),
/// when they started (<paramref name="From"/> included, <paramref name="To"/> excluded), and at most
/// <paramref name="Limit"/> of them.
/// </summary>
public sealed record RunFilter(
    string? Team = null, string? User = null, string? Image = null, string? Exit = null, DateTimeOffset? From = null, DateTimeOffset? To = null, int? Limit = null);
