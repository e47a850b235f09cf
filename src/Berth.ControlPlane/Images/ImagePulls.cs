using System.Collections.Concurrent;

namespace Berth.ControlPlane.Images;

/// <summary>
/// The pulls of this node, in memory: running ones, and finished ones for <see cref="Keep"/> (at most
/// <see cref="MaxFinished"/> of them), so that their outcome can still be read. A host restart forgets them; the
/// events table and the audit trail keep their outcome.
/// </summary>
public sealed class ImagePulls(TimeProvider time)
{
    public static readonly TimeSpan Keep = TimeSpan.FromHours(1);

    public const int MaxFinished = 500;

    private readonly ConcurrentDictionary<Guid, PullTracker> _pulls = new();

    /// <summary>Records a new pull of <paramref name="reference"/>, queued.</summary>
    public PullTracker Add(string reference, Guid? requestedBy)
    {
        Trim();
        var pull = new PullTracker(Guid.CreateVersion7(), reference, requestedBy, time);
        _pulls[pull.Id] = pull;
        return pull;
    }

    /// <summary>The pull <paramref name="id"/>, or a new record of it when this process does not know it (a job re-run after a restart).</summary>
    public PullTracker Resume(Guid id, string reference, Guid? requestedBy) => _pulls.GetOrAdd(id, _ => new PullTracker(id, reference, requestedBy, time));

    public PullTracker? Find(Guid id) => _pulls.GetValueOrDefault(id);

    private void Trim()
    {
        var cutoff = time.GetUtcNow() - Keep;
        var finished = _pulls.Values.Where(p => p.Finished).OrderByDescending(p => p.FinishedAt).ToList();
        foreach (var old in finished.Where((p, i) => p.FinishedAt < cutoff || i >= MaxFinished)) _pulls.TryRemove(old.Id, out _);
    }
}
