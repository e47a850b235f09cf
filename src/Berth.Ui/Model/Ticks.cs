using System.Runtime.CompilerServices;

namespace Berth.Ui.Model;

/// <summary>A stream of ticks for pages that refresh from in-memory state on a timer.</summary>
public static class Ticks
{
    /// <summary>Yields every <paramref name="period"/> until cancelled.</summary>
    public static async IAsyncEnumerable<DateTimeOffset> EveryAsync(TimeSpan period, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        using var timer = new PeriodicTimer(period, time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false)) yield return time.GetUtcNow();
    }
}
