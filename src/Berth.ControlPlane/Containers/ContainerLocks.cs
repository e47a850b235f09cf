using System.Collections.Concurrent;

namespace Berth.ControlPlane.Containers;

/// <summary>One lock per container, so that this process never runs two jobs on the same container at once (a fast-path launch and its Hangfire re-drive, say).</summary>
public sealed class ContainerLocks
{
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _locks = new();

    /// <summary>Waits for the container's lock; dispose the result to release it.</summary>
    public async Task<IDisposable> TakeAsync(Guid containerId, CancellationToken cancellationToken)
    {
        var gate = _locks.GetOrAdd(containerId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Release(gate);
    }

    /// <summary>Whether a job of this process holds the container's lock at this moment.</summary>
    public bool IsHeld(Guid containerId) => _locks.TryGetValue(containerId, out var gate) && gate.CurrentCount == 0;

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) gate.Release();
        }
    }
}
