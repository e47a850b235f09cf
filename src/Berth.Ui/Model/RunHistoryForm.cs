using System.Globalization;
using Berth.ControlPlane.Containers;
using Berth.ControlPlane.History;

namespace Berth.Ui.Model;

/// <summary>The History page's filter as typed, and the same filter for the service and for the CSV export link.</summary>
public sealed class RunHistoryForm
{
    /// <summary>The <see cref="Exit"/> that filters by <see cref="ExitCode"/>.</summary>
    public const string OneCode = "code";

    /// <summary>The ways a run ended that the service filters by, with their labels.</summary>
    public static readonly IReadOnlyList<(string Value, string Label)> Exits =
        [("ok", "ok (exit 0)"), ("failed", "failed (non-zero, signal or OOM)"), ("oom", "killed by OOM"), (OneCode, "one exit code…")];

    public string? Team { get; set; }

    public string? User { get; set; }

    public string? Image { get; set; }

    /// <summary>ok, failed, oom, <see cref="OneCode"/>, or null for any.</summary>
    public string? Exit { get; set; }

    /// <summary>The exit code runs ended with, when <see cref="Exit"/> is <see cref="OneCode"/>.</summary>
    public int? ExitCode { get; set; }

    /// <summary>The first day (UTC) of the runs' start.</summary>
    public DateTime? From { get; set; }

    /// <summary>The last day (UTC) of the runs' start, included.</summary>
    public DateTime? To { get; set; }

    public RunFilter ToFilter()
        => new(Blank(Team), Blank(User), Blank(Image), ExitFilter(), UtcDays.Start(From), UtcDays.EndOf(To));

    private string? ExitFilter() => Exit == OneCode ? ExitCode?.ToString(CultureInfo.InvariantCulture) : Blank(Exit);

    /// <summary>The link that downloads the same runs as CSV.</summary>
    public string CsvHref()
    {
        var f = ToFilter();
        return "/api/v1/runs.csv" + new QueryString().Add("team", f.Team).Add("user", f.User).Add("image", f.Image).Add("exit", f.Exit)
            .Add("from", f.From).Add("to", f.To);
    }

    /// <summary>How a run ended: its exit code or signal, and OOM; "—" while it runs.</summary>
    public static string ExitText(RunView run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var text = run.ExitCode is { } code ? code.ToString(CultureInfo.InvariantCulture)
            : run.Signal is { } signal ? string.Create(CultureInfo.InvariantCulture, $"signal {signal}")
            : "—";
        return run.OomKilled ? text + " (OOM)" : text;
    }

    /// <summary>How long the run lasted; "running" while it runs.</summary>
    public static string DurationText(RunView run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.EndedAt is { } ended ? Units.Duration(ended - run.StartedAt) : "running";
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
