using Berth.ControlPlane.Security;

namespace Berth.ControlPlane.Audit;

/// <summary>What to write into the audit trail: who (with where from), did what to which target of which team, and the outcome.</summary>
public sealed record AuditRecord(Caller Caller, string Action, string TargetType, string? TargetId, Guid? TeamId, string Outcome, string? Detail = null)
{
    public const string Allowed = "allowed";
    public const string Denied = "denied";
    public const string Failed = "failed";
}
