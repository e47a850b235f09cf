using Berth.ControlPlane.Images;
using Berth.Engine;

namespace Berth.Ui.Model;

/// <summary>
/// The node's images, as the images page reads and changes them. The host implements it over the control plane for
/// the circuit's user; the service decides who may pull, upload and remove, and a refusal or bad input throws
/// <see cref="Berth.ControlPlane.ControlPlaneException"/> with a message for the user.
/// </summary>
public interface IImageClient
{
    /// <summary>Every image name of the node, by name.</summary>
    Task<IReadOnlyList<ImageView>> ListAsync(CancellationToken cancellationToken);

    /// <summary>One image (by name or id) with its config and layers.</summary>
    Task<ImageDetails> InspectAsync(string reference, CancellationToken cancellationToken);

    /// <summary>Starts a pull of <paramref name="reference"/> and returns it queued; <see cref="GetPullAsync"/> follows it.</summary>
    Task<PullView> PullAsync(string reference, CancellationToken cancellationToken);

    /// <summary>The state and progress of a pull the user started.</summary>
    Task<PullView> GetPullAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>
    /// Loads the image archive read from <paramref name="archive"/> (not disposed here), named <paramref name="tag"/>
    /// too when given; returns the names loaded. The call ends when the archive is read and loaded.
    /// </summary>
    Task<IReadOnlyList<ImageView>> UploadAsync(Stream archive, string? tag, CancellationToken cancellationToken);

    /// <summary>Removes an image name; the image's data goes with its last name.</summary>
    Task<GarbageReport> RemoveAsync(string reference, CancellationToken cancellationToken);
}
