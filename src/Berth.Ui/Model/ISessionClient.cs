using Berth.ControlPlane.Security;

namespace Berth.Ui.Model;

/// <summary>The signed-in user of the circuit, with their roles read afresh on each call.</summary>
public interface ISessionClient
{
    /// <exception cref="Berth.ControlPlane.ControlPlaneException">Nobody is signed in, or the user was disabled since.</exception>
    Task<Caller> CallerAsync(CancellationToken cancellationToken);
}
