using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Berth.ControlPlane.Live;

/// <summary>
/// One stream of values with any number of subscribers: each subscriber gets the latest value first, then every
/// new one, through a bounded channel of its own that drops the oldest values when the subscriber falls behind, so a
/// slow reader never holds up the publisher or the others. Publish from one thread at a time.
/// </summary>
public sealed class LiveTopic<T> where T : class
{
    private readonly Lock _gate = new();
    private readonly int _capacity;
    private Channel<T>[] _subscribers = [];
    private T? _latest;

    /// <param name="capacity">Values kept per subscriber before the oldest is dropped.</param>
    public LiveTopic(int capacity = 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>The last value published (null before the first, or after <see cref="Clear"/>).</summary>
    public T? Latest
    {
        get { lock (_gate) return _latest; }
    }

    public int SubscriberCount
    {
        get { lock (_gate) return _subscribers.Length; }
    }

    /// <summary>Makes <paramref name="value"/> the latest and hands it to every subscriber.</summary>
    public void Publish(T value)
    {
        Channel<T>[] subscribers;
        lock (_gate)
        {
            _latest = value;
            subscribers = _subscribers;
        }
        foreach (var s in subscribers) s.Writer.TryWrite(value);
    }

    /// <summary>Forgets the latest value (its source went away); subscribers stay and get what comes next.</summary>
    public void Clear()
    {
        lock (_gate) _latest = null;
    }

    /// <summary>The latest value (if any), then each new one, until <paramref name="cancellationToken"/> is cancelled (which throws <see cref="OperationCanceledException"/>).</summary>
    public async IAsyncEnumerable<T> SubscribeAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<T>(new BoundedChannelOptions(_capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
        });
        lock (_gate)
        {
            _subscribers = [.. _subscribers, channel];
            if (_latest is { } latest) channel.Writer.TryWrite(latest);
        }
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var value)) yield return value;
            }
        }
        finally
        {
            lock (_gate) _subscribers = _subscribers.Where(s => s != channel).ToArray();
        }
    }
}
