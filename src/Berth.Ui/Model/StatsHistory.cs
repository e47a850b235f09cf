using Berth.ControlPlane.Live;

namespace Berth.Ui.Model;

/// <summary>
/// The samples of one container's live stats kept for its charts: the newest <see cref="Capacity"/>, oldest first,
/// and the series of the chosen window; before them, the points the database had when the page opened.
/// </summary>
public sealed class StatsHistory(int capacity = 900)
{
    private readonly LinkedList<ContainerStatsSample> _samples = new();
    private IReadOnlyList<ContainerStatsPoint> _seed = [];

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    public ContainerStatsSample? Latest => _samples.Last?.Value;

    public int Count => _samples.Count;

    /// <summary>Adds <paramref name="sample"/> unless it is not newer than the latest (a stream restarted after a reconnect repeats its latest).</summary>
    public bool Add(ContainerStatsSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (_samples.Last is { } last && sample.Time <= last.Value.Time) return false;
        // A new start of the container: its counters began again, and its old samples are another run's.
        if (_samples.Last is { } previous && (sample.IoReadBytes < previous.Value.IoReadBytes || sample.IoWriteBytes < previous.Value.IoWriteBytes)) _samples.Clear();
        _samples.AddLast(sample);
        while (_samples.Count > Capacity) _samples.RemoveFirst();
        return true;
    }

    /// <summary>The samples of the last <paramref name="window"/> before the latest, oldest first.</summary>
    public IReadOnlyList<ContainerStatsSample> Window(TimeSpan window)
    {
        if (_samples.Last is not { } last) return [];
        var from = last.Value.Time - window;
        return _samples.Where(s => s.Time > from).ToList();
    }

    /// <summary>Keeps <paramref name="points"/> (from the database, oldest first) to chart before the live samples.</summary>
    public void Seed(IReadOnlyList<ContainerStatsPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        _seed = points;
    }

    /// <summary>
    /// The seeded points of the last <paramref name="window"/> before the latest sample (or point, while no sample has
    /// come) that are older than the first sample kept, oldest first: what the samples of <see cref="Window"/> follow.
    /// </summary>
    public IReadOnlyList<ContainerStatsPoint> SeededWindow(TimeSpan window)
    {
        if (_seed.Count == 0) return [];
        var end = _samples.Last?.Value.Time ?? _seed[^1].Time;
        var before = _samples.First?.Value.Time ?? DateTimeOffset.MaxValue;
        return _seed.Where(p => p.Time > end - window && p.Time < before).ToList();
    }
}
