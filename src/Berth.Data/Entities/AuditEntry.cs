namespace Berth.Data.Entities;

/// <summary>
/// One audited action, allowed or not. Entries form a hash chain: <see cref="Hash"/> covers every field and the
/// previous entry's hash, and <see cref="Id"/> has no gaps, so an edited, deleted or reordered entry is detected.
/// </summary>
public sealed class AuditEntry
{
    /// <summary>1, 2, 3…: assigned under a lock, in commit order.</summary>
    public long Id { get; set; }

    /// <summary>UTC, truncated to microseconds (PostgreSQL's precision) so that the hash reads back the same.</summary>
    public DateTimeOffset Time { get; set; }

    public Guid? ActorId { get; set; }

    public required string Actor { get; set; }

    /// <summary>Such as <c>container.create</c>, <c>auth.login</c>, <c>quota.update</c>.</summary>
    public required string Action { get; set; }

    public required string TargetType { get; set; }

    public string? TargetId { get; set; }

    public Guid? TeamId { get; set; }

    public string? RemoteAddress { get; set; }

    /// <summary><c>allowed</c>, <c>denied</c> or <c>failed</c>.</summary>
    public required string Outcome { get; set; }

    public string? Detail { get; set; }

    public required string PreviousHash { get; set; }

    public required string Hash { get; set; }
}
