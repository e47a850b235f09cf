using Berth.ControlPlane.Images;
using Berth.Engine;
using Berth.Ui.Model;

namespace Berth.Host.Ui;

/// <summary>The UI's images, over the image service, as the circuit's user (who may pull, upload and remove is the service's to say).</summary>
public sealed class ImageClient(ISessionClient session, ImageService images) : IImageClient
{
    public async Task<IReadOnlyList<ImageView>> ListAsync(CancellationToken cancellationToken)
        => await images.ListAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<ImageDetails> InspectAsync(string reference, CancellationToken cancellationToken)
        => await images.InspectAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), reference, cancellationToken).ConfigureAwait(false);

    public async Task<PullView> PullAsync(string reference, CancellationToken cancellationToken)
        => await images.PullAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), reference, cancellationToken).ConfigureAwait(false);

    public async Task<PullView> GetPullAsync(Guid id, CancellationToken cancellationToken)
        => images.GetPull(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id);

    public async Task<IReadOnlyList<ImageView>> UploadAsync(Stream archive, string? tag, CancellationToken cancellationToken)
        => await images.UploadAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), archive, tag, cancellationToken).ConfigureAwait(false);

    public async Task<GarbageReport> RemoveAsync(string reference, CancellationToken cancellationToken)
        => await images.RemoveAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), reference, cancellationToken).ConfigureAwait(false);
}
