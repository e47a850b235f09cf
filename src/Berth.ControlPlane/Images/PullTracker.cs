using Berth.Images;
using Berth.Images.Registry;

namespace Berth.ControlPlane.Images;

/// <summary>One pull's progress, kept in memory on the node that runs it; the engine reports into it from its download threads.</summary>
public sealed class PullTracker : IProgress<PullProgress>
{
    private readonly Lock _gate = new();
    private readonly List<Digest> _order = [];
    private readonly Dictionary<Digest, PullProgress> _layers = [];
    private readonly TimeProvider _time;
    private string _state = "queued";
    private string? _error;
    private string? _imageId;
    private DateTimeOffset? _finishedAt;

    public PullTracker(Guid id, string reference, Guid? requestedBy, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        Id = id;
        Reference = reference;
        RequestedBy = requestedBy;
        _time = time;
        CreatedAt = time.GetUtcNow();
    }

    public Guid Id { get; }

    public string Reference { get; }

    /// <summary>The user who asked for it (who may see it, besides admins and auditors).</summary>
    public Guid? RequestedBy { get; }

    public DateTimeOffset CreatedAt { get; }

    public bool Finished
    {
        get { lock (_gate) return _finishedAt is not null; }
    }

    public DateTimeOffset? FinishedAt
    {
        get { lock (_gate) return _finishedAt; }
    }

    public void Report(PullProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            if (!_layers.ContainsKey(value.Layer)) _order.Add(value.Layer);
            _layers[value.Layer] = value;
        }
    }

    public void Running()
    {
        lock (_gate)
        {
            _state = "running";
            _error = null;
            _finishedAt = null;
        }
    }

    public void Done(string imageId)
    {
        lock (_gate)
        {
            _state = "done";
            _imageId = imageId;
            _finishedAt = _time.GetUtcNow();
        }
    }

    public void Failed(string error)
    {
        lock (_gate)
        {
            _state = "failed";
            _error = error;
            _finishedAt = _time.GetUtcNow();
        }
    }

    public PullView View(string node)
    {
        lock (_gate)
        {
            var layers = _order.Select(d => _layers[d]).Select(p => new PullLayerView(p.Layer.ToString(), StateName(p.State), p.Done, p.Total)).ToList();
            return new PullView(Id, Reference, node, _state, _error, _imageId, layers.Sum(l => l.Done), layers.Sum(l => l.Total), layers, CreatedAt, _finishedAt);
        }
    }

    private static string StateName(PullProgressState state) => state switch
    {
        PullProgressState.Waiting => "waiting",
        PullProgressState.Downloading => "downloading",
        PullProgressState.Complete => "complete",
        PullProgressState.AlreadyExists => "already-exists",
        _ => state.ToString().ToLowerInvariant(),
    };
}
