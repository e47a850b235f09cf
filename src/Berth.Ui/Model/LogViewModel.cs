using Berth.Engine;

namespace Berth.Ui.Model;

/// <summary>
/// A container's log as the page shows it: the newest <see cref="Capacity"/> lines; while paused, new lines wait
/// (still bounded) and appear on resume; a search shows only the lines that contain it.
/// </summary>
public sealed class LogViewModel(int capacity = 5000)
{
    private readonly LinkedList<ContainerLogLine> _lines = new();
    private readonly List<ContainerLogLine> _held = [];

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    public bool Paused { get; private set; }

    public string Search { get; set; } = "";

    /// <summary>Lines that came while paused.</summary>
    public int Held => _held.Count;

    public void Append(IEnumerable<ContainerLogLine> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (Paused)
        {
            _held.AddRange(batch);
            if (_held.Count > Capacity) _held.RemoveRange(0, _held.Count - Capacity);
            return;
        }
        foreach (var line in batch) _lines.AddLast(line);
        while (_lines.Count > Capacity) _lines.RemoveFirst();
    }

    public void Pause() => Paused = true;

    public void Resume()
    {
        Paused = false;
        var held = _held.ToList();
        _held.Clear();
        Append(held);
    }

    public void Clear()
    {
        _lines.Clear();
        _held.Clear();
    }

    /// <summary>The lines to show, oldest first.</summary>
    public IEnumerable<ContainerLogLine> Visible
        => string.IsNullOrEmpty(Search) ? _lines : _lines.Where(l => l.Text.Contains(Search, StringComparison.OrdinalIgnoreCase));
}
