using Berth.ControlPlane.Usage;

namespace Berth.Ui.Model;

/// <summary>
/// Usage summed over a period, as the Usage page reads it. The host implements it over the control plane's
/// <c>UsageService</c> for the circuit's user (what they may audit plus their own containers); a bad period throws
/// <see cref="Berth.ControlPlane.ControlPlaneException"/> with a message for the user.
/// </summary>
public interface IUsageClient
{
    /// <summary>The usage of [<paramref name="from"/>, <paramref name="to"/>) summed <paramref name="by"/>, most CPU first.</summary>
    Task<IReadOnlyList<UsageRow>> QueryAsync(UsageGrouping by, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}
