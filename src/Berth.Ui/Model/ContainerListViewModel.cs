using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Live;

namespace Berth.Ui.Model;

/// <summary>
/// The containers grid: the rows, the filters (free text over name, image, team, owner and id; state; team; image)
/// and the live stats applied to rows in place.
/// </summary>
public sealed class ContainerListViewModel
{
    private Dictionary<Guid, ContainerRow> _rows = [];

    public string Search { get; set; } = "";

    public string? State { get; set; }

    public string? Team { get; set; }

    public string? Image { get; set; }

    public IReadOnlyCollection<ContainerRow> Rows => _rows.Values;

    public IEnumerable<string> States => _rows.Values.Select(r => r.View.State).Distinct().Order(StringComparer.Ordinal);

    public IEnumerable<string> Teams => _rows.Values.Select(r => r.View.Team).Distinct().Order(StringComparer.Ordinal);

    public IEnumerable<string> Images => _rows.Values.Select(r => r.View.Image).Distinct().Order(StringComparer.Ordinal);

    /// <summary>Replaces the rows by <paramref name="views"/>, keeping each surviving row's stats.</summary>
    public void Load(IEnumerable<ContainerView> views)
    {
        ArgumentNullException.ThrowIfNull(views);
        var next = new Dictionary<Guid, ContainerRow>();
        foreach (var v in views)
        {
            if (_rows.TryGetValue(v.Id, out var row)) row.View = v;
            else row = new ContainerRow(v);
            next[v.Id] = row;
        }
        _rows = next;
    }

    /// <summary>Applies the latest stats; rows without a sample (not running) lose theirs.</summary>
    public void ApplyStats(IReadOnlyDictionary<Guid, ContainerStatsSample> stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        foreach (var row in _rows.Values) row.Stats = stats.GetValueOrDefault(row.Id);
    }

    /// <summary>The rows that pass every filter.</summary>
    public IEnumerable<ContainerRow> Filtered => _rows.Values.Where(Matches);

    public bool Matches(ContainerRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var v = row.View;
        if (State is not null && v.State != State) return false;
        if (Team is not null && v.Team != Team) return false;
        if (Image is not null && v.Image != Image) return false;
        if (string.IsNullOrWhiteSpace(Search)) return true;
        var s = Search.Trim();
        return v.Name.Contains(s, StringComparison.OrdinalIgnoreCase) || v.Image.Contains(s, StringComparison.OrdinalIgnoreCase)
            || v.Team.Contains(s, StringComparison.OrdinalIgnoreCase) || v.Owner.Contains(s, StringComparison.OrdinalIgnoreCase)
            || v.Id.ToString().StartsWith(s, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Which of <paramref name="selected"/> an action applies to: start the stopped ones, stop the running ones, remove any.</summary>
    public static IReadOnlyList<ContainerRow> Eligible(IEnumerable<ContainerRow> selected, BulkAction action)
    {
        ArgumentNullException.ThrowIfNull(selected);
        return selected.Where(r => action switch
        {
            BulkAction.Start => r.View.State is not ("running" or "pending" or "restarting"),
            BulkAction.Stop => r.View.DesiredState == "running",
            _ => true,
        }).ToList();
    }
}
