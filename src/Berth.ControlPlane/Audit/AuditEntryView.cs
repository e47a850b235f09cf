namespace Berth.ControlPlane.Audit;

/// <summary>An audit entry as the API shows it, with its team's name (null once the team is deleted) and its place in the hash chain.</summary>
public sealed record AuditEntryView(long Id, DateTimeOffset Time, Guid? ActorId, string Actor, string Action, string TargetType, string? TargetId,
    Guid? TeamId, string? Team, string? RemoteAddress, string Outcome, string? Detail, string PreviousHash, string Hash);
