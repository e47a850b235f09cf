using Berth.ControlPlane.Audit;

namespace Berth.Ui.Model;

/// <summary>
/// The audit trail, as the Audit page reads it. The host implements it over the control plane's <c>AuditQueries</c>
/// for the circuit's user, which decides what they may read; a refusal or a bad filter throws
/// <see cref="Berth.ControlPlane.ControlPlaneException"/> with a message for the user.
/// </summary>
public interface IAuditClient
{
    /// <summary>A page of the entries the user may read that match <paramref name="filter"/>, newest first.</summary>
    Task<AuditPage> ListAsync(AuditFilter filter, CancellationToken cancellationToken);

    /// <summary>Checks the whole hash chain (admins and auditors only).</summary>
    Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken);
}
