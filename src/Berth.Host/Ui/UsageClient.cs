using Berth.ControlPlane.Usage;
using Berth.Ui.Model;

namespace Berth.Host.Ui;

/// <summary>The UI's usage figures, over <see cref="UsageService"/>, as the circuit's user.</summary>
public sealed class UsageClient(ISessionClient session, UsageService usage) : IUsageClient
{
    public async Task<IReadOnlyList<UsageRow>> QueryAsync(UsageGrouping by, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
        => await usage.QueryAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), by, from, to, cancellationToken).ConfigureAwait(false);
}
