using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Berth.ControlPlane.Live;

/// <summary>Batching of fast streams (log lines) for live views: at most one batch per window, so a chatty source costs a client one message per window, not one per item.</summary>
public static class LiveBatching
{
    /// <summary>
    /// Reads <paramref name="source"/> on a task of its own and yields what came in lists: once an item arrives,
    /// waits <paramref name="window"/> for more, then yields up to <paramref name="maxCount"/> items (the rest go in
    /// the next list). Ends when the source ends (rethrowing its failure); cancelling <paramref name="cancellationToken"/>
    /// stops the reader too, and disposing the enumerator waits for it.
    /// </summary>
    public static async IAsyncEnumerable<IReadOnlyList<T>> BatchAsync<T>(this IAsyncEnumerable<T> source, TimeSpan window, int maxCount,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        // Bounded: a reader far behind slows the source's reading instead of filling memory.
        var channel = Channel.CreateBounded<T>(new BoundedChannelOptions(Math.Max(maxCount * 4, 64)) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in source.WithCancellation(stop.Token).ConfigureAwait(false))
                    await channel.Writer.WriteAsync(item, stop.Token).ConfigureAwait(false);
                channel.Writer.TryComplete();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e);
            }
        }, CancellationToken.None);
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await Task.Delay(window, cancellationToken).ConfigureAwait(false);
                var batch = new List<T>();
                while (batch.Count < maxCount && channel.Reader.TryRead(out var item)) batch.Add(item);
                if (batch.Count > 0) yield return batch;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await pump.ConfigureAwait(false);
        }
    }
}
