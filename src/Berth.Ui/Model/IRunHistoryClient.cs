using Berth.ControlPlane.History;

namespace Berth.Ui.Model;

/// <summary>
/// The history of runs across containers, as the History page reads it. The host implements it over the control
/// plane's <c>RunQueries</c> for the circuit's user; a refusal or a bad filter throws
/// <see cref="Berth.ControlPlane.ControlPlaneException"/> with a message for the user.
/// </summary>
public interface IRunHistoryClient
{
    /// <summary>The runs the user may read that match <paramref name="filter"/>, newest first, with their team's name.</summary>
    Task<IReadOnlyList<HistoryRun>> ListAsync(RunFilter filter, CancellationToken cancellationToken);
}
