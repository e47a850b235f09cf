using System.Runtime.CompilerServices;
using Berth.ControlPlane.Images;

namespace Berth.Ui.Model;

/// <summary>Follows a pull by asking for its state on a timer, for as long as the caller listens or until it ends.</summary>
public static class PullPolling
{
    /// <summary>How often a pull's state is read while its dialog is open.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(500);

    /// <summary>The pull's state every <see cref="Period"/>; the last one yielded is <c>done</c> or <c>failed</c>.</summary>
    public static async IAsyncEnumerable<PullView> FollowAsync(IImageClient images, Guid id, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(images);
        await foreach (var _ in Ticks.EveryAsync(Period, time, cancellationToken).ConfigureAwait(false))
        {
            var pull = await images.GetPullAsync(id, cancellationToken).ConfigureAwait(false);
            yield return pull;
            if (IsFinished(pull)) yield break;
        }
    }

    public static bool IsFinished(PullView pull) => pull?.State is "done" or "failed";

    /// <summary>Layers finished (downloaded, or already on the node) of all the pull knows of.</summary>
    public static (int Done, int Total) Layers(PullView pull)
    {
        ArgumentNullException.ThrowIfNull(pull);
        return (pull.Layers.Count(l => l.State is "complete" or "already-exists"), pull.Layers.Count);
    }
}
