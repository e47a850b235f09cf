namespace Berth.ControlPlane.Audit;

/// <summary>The result of checking the audit chain: whether it holds, how many entries were checked, and where and why it breaks.</summary>
public sealed record AuditVerification(bool Valid, long Entries, long? BrokenAt, string? Reason, long? AnchorId);
