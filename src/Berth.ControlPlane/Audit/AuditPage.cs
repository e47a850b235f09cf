namespace Berth.ControlPlane.Audit;

/// <summary>A page of audit entries, newest first; <see cref="Next"/> is the <c>before</c> of the next page, null on the last.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntryView> Entries, long? Next);
