using Berth.ControlPlane.Templates;

namespace Berth.Ui.Model;

/// <summary>
/// The templates of the signed-in user's teams: saved container definitions to launch from. The host implements it
/// over the control plane as the circuit's user; a refusal or bad input throws
/// <see cref="Berth.ControlPlane.ControlPlaneException"/> with a message for the user.
/// </summary>
public interface ITemplateClient
{
    /// <summary>The templates of the teams the user sees, by team and name.</summary>
    Task<IReadOnlyList<TemplateView>> ListAsync(CancellationToken cancellationToken);

    Task<TemplateView> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<TemplateView> CreateAsync(TemplateRequest request, CancellationToken cancellationToken);

    /// <summary>Replaces the template; refused (conflict) when it changed since <see cref="TemplateRequest.Version"/>.</summary>
    Task<TemplateView> UpdateAsync(Guid id, TemplateRequest request, CancellationToken cancellationToken);

    Task DeleteAsync(Guid id, CancellationToken cancellationToken);
}
