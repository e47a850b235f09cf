using Berth.ControlPlane.Usage;
using MudBlazor;

namespace Berth.Ui.Model;

/// <summary>
/// The Usage page's state: grouping (team or user), the period (a preset ending now, or custom UTC days), the rows
/// read for it, and the bar chart's labels and series (CPU-hours, GB-hours, container-hours per row).
/// </summary>
public sealed class UsageViewModel
{
    public const string Custom = "custom";

    /// <summary>The presets, each ending now.</summary>
    public static readonly IReadOnlyList<(string Value, string Label, TimeSpan Span)> Presets =
        [("24h", "24 h", TimeSpan.FromHours(24)), ("7d", "7 d", TimeSpan.FromDays(7)), ("30d", "30 d", TimeSpan.FromDays(30))];

    public UsageGrouping By { get; set; } = UsageGrouping.Team;

    /// <summary>A preset's value, or <see cref="Custom"/>.</summary>
    public string Range { get; set; } = "7d";

    /// <summary>The first day (UTC) of a custom period.</summary>
    public DateTime? From { get; set; }

    /// <summary>The last day (UTC) of a custom period, included.</summary>
    public DateTime? To { get; set; }

    public IReadOnlyList<UsageRow> Rows { get; private set; } = [];

    public string[] Labels { get; private set; } = [];

    public List<ChartSeries<double>> Series { get; private set; } = [];

    /// <summary>The period to read at <paramref name="now"/>; null while a custom period lacks a day.</summary>
    public (DateTimeOffset From, DateTimeOffset To)? Period(DateTimeOffset now)
    {
        if (Range == Custom)
            return UtcDays.Start(From) is { } from && UtcDays.EndOf(To) is { } to ? (from, to) : null;
        var span = Presets.FirstOrDefault(p => p.Value == Range).Span;
        if (span == TimeSpan.Zero) span = TimeSpan.FromDays(7);
        return (now - span, now);
    }

    /// <summary>The link that downloads the same usage as CSV; null while there is no period.</summary>
    public string? CsvHref(DateTimeOffset now)
        => Period(now) is { } p
            ? "/api/v1/usage.csv" + new QueryString().Add("by", By == UsageGrouping.User ? "user" : "team").Add("from", p.From).Add("to", p.To)
            : null;

    public void Load(IReadOnlyList<UsageRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        Rows = rows;
        Labels = rows.Select(r => r.Name).ToArray();
        Series =
        [
            new() { Name = "CPU-hours", Data = rows.Select(r => Math.Round(r.CpuHours, 3)).ToArray() },
            new() { Name = "GB-hours", Data = rows.Select(r => Math.Round(r.MemoryGbHours, 3)).ToArray() },
            new() { Name = "container-hours", Data = rows.Select(r => Math.Round(r.ContainerHours, 3)).ToArray() },
        ];
    }

    /// <summary>Hours as the table writes them.</summary>
    public static string Hours(double hours) => hours.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
