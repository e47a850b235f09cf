using Berth.ControlPlane.Templates;
using Berth.Ui.Model;

namespace Berth.Host.Ui;

/// <summary>The UI's templates, over the control plane's <see cref="TemplateService"/>, as the circuit's user.</summary>
public sealed class TemplateClient(ISessionClient session, TemplateService templates) : ITemplateClient
{
    public async Task<IReadOnlyList<TemplateView>> ListAsync(CancellationToken cancellationToken)
        => await templates.ListAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<TemplateView> GetAsync(Guid id, CancellationToken cancellationToken)
        => await templates.GetAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id, cancellationToken).ConfigureAwait(false);

    public async Task<TemplateView> CreateAsync(TemplateRequest request, CancellationToken cancellationToken)
        => await templates.CreateAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), request, cancellationToken).ConfigureAwait(false);

    public async Task<TemplateView> UpdateAsync(Guid id, TemplateRequest request, CancellationToken cancellationToken)
        => await templates.UpdateAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id, request, cancellationToken).ConfigureAwait(false);

    public async Task DeleteAsync(Guid id, CancellationToken cancellationToken)
        => await templates.DeleteAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id, cancellationToken).ConfigureAwait(false);
}
