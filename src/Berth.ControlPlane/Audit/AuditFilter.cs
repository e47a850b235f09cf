namespace Berth.ControlPlane.Audit;

/// <summary>
/// Which audit entries to read: time range (<paramref name="From"/> included, <paramref name="To"/> excluded), actor
/// (user name or id), action (exact, or a prefix ending in <c>*</c>), team (name or id), outcome, and a page of at
/// most <paramref name="Limit"/> entries with ids below <paramref name="Before"/>.
/// </summary>
public sealed record AuditFilter(
    DateTimeOffset? From = null, DateTimeOffset? To = null, string? Actor = null, string? Action = null, string? Team = null, string? Outcome = null,
    int? Limit = null, long? Before = null);
