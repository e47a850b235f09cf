using Berth.ControlPlane.Audit;
using Berth.Ui.Model;

namespace Berth.Host.Ui;

/// <summary>The UI's audit trail, over <see cref="AuditQueries"/>, as the circuit's user.</summary>
public sealed class AuditClient(ISessionClient session, AuditQueries audit) : IAuditClient
{
    public async Task<AuditPage> ListAsync(AuditFilter filter, CancellationToken cancellationToken)
        => await audit.ListAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), filter, cancellationToken).ConfigureAwait(false);

    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
        => await audit.VerifyAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
}
