using Berth.ControlPlane.Audit;

namespace Berth.ControlPlane.Security;

/// <summary>Checks a caller's right to an action; a refusal is written to the audit trail before it is thrown.</summary>
public sealed class Guard(AuditLog audit)
{
    /// <summary>
    /// Throws <see cref="ProblemKind.Forbidden"/> after auditing the refusal when <paramref name="allowed"/> is false.
    /// Callers that may not even see the target get <see cref="ProblemKind.NotFound"/> instead (<paramref name="hidden"/>),
    /// so that other teams' ids cannot be probed.
    /// </summary>
    public async Task DemandAsync(bool allowed, Caller caller, string action, string targetType, string? targetId, Guid? teamId, bool hidden, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (allowed) return;
        await audit.WriteAsync(new AuditRecord(caller, action, targetType, targetId, teamId, AuditRecord.Denied), cancellationToken).ConfigureAwait(false);
        throw hidden ? ControlPlaneException.NotFound($"{targetType} {targetId}")
            : new ControlPlaneException(ProblemKind.Forbidden, $"{caller.Name} may not {action.Replace('.', ' ')}{(targetId is null ? "" : " " + targetId)}");
    }
}
