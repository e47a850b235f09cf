using System.Globalization;
using System.Runtime.CompilerServices;
using Berth.ControlPlane.Live;

namespace Berth.Ui.Model;

/// <summary>
/// A window of a container's stats charts: the last <see cref="Span"/>. Live windows (up to 15 min) chart the samples
/// the page receives, after the database's points of before the page opened; the longer ones chart the database's
/// points alone (usage samples: working set only, no page cache), read again every <see cref="RefreshPeriod"/>.
/// </summary>
public sealed record StatsWindow(string Label, TimeSpan Span)
{
    /// <summary>Most points asked of the database for one window.</summary>
    public const int Points = 300;

    /// <summary>Most times written on a chart's time axis (a label per point would run into one another).</summary>
    public const int MaxLabels = 8;

    /// <summary>How often the points of a database window are read again (the control plane writes usage every 10 s by default).</summary>
    public static readonly TimeSpan RefreshPeriod = TimeSpan.FromSeconds(10);

    /// <summary>The windows offered, shortest first.</summary>
    public static readonly IReadOnlyList<StatsWindow> All =
    [
        new("1 min", TimeSpan.FromMinutes(1)), new("5 min", TimeSpan.FromMinutes(5)), new("15 min", TimeSpan.FromMinutes(15)),
        new("1 h", TimeSpan.FromHours(1)), new("6 h", TimeSpan.FromHours(6)), new("24 h", TimeSpan.FromHours(24)), new("7 d", TimeSpan.FromDays(7)),
    ];

    /// <summary>The longest live window: what the database seeds the live charts with when the page opens.</summary>
    public static StatsWindow LongestLive { get; } = All.Last(w => !w.FromDatabase);

    /// <summary>Whether the window is charted from the database alone.</summary>
    public bool FromDatabase => Span > TimeSpan.FromMinutes(15);

    /// <summary>
    /// The range to read at <paramref name="now"/>: <see cref="Span"/> up to <paramref name="now"/> rounded up to a
    /// whole bucket (a <see cref="Points"/>th of the span since the Unix epoch), so that the buckets stay put from one
    /// refresh to the next and only the newest fills.
    /// </summary>
    public (DateTimeOffset From, DateTimeOffset To) Range(DateTimeOffset now)
    {
        var bucket = Span.Ticks / Points;
        var sinceEpoch = now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var to = DateTimeOffset.UnixEpoch.AddTicks((sinceEpoch + bucket - 1) / bucket * bucket);
        return (to - Span, to);
    }

    /// <summary>A point's label on the time axis: seconds for live windows, minutes up to a day, the date too beyond.</summary>
    public string Format(DateTimeOffset time)
        => time.ToLocalTime().ToString(!FromDatabase ? "HH:mm:ss" : Span <= TimeSpan.FromDays(1) ? "HH:mm" : "MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>
    /// The time axis's labels for points at <paramref name="times"/>: every one when there are at most
    /// <see cref="MaxLabels"/>, else evenly spaced ones from the oldest on, the others blank.
    /// </summary>
    public string[] Labels(IReadOnlyList<DateTimeOffset> times)
    {
        ArgumentNullException.ThrowIfNull(times);
        var every = Math.Max(1, (times.Count + MaxLabels - 1) / MaxLabels);
        return times.Select((t, i) => i % every == 0 ? Format(t) : "").ToArray();
    }

    /// <summary>
    /// The window's points from the database now, then (for a database window) again every <see cref="RefreshPeriod"/>
    /// until cancelled; a live window's are read once, to seed its charts.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<ContainerStatsPoint>> FollowAsync(ILiveClient live, Guid id, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(time);
        yield return await ReadAsync(live, id, time, cancellationToken).ConfigureAwait(false);
        if (!FromDatabase) yield break;
        await foreach (var _ in Ticks.EveryAsync(RefreshPeriod, time, cancellationToken).ConfigureAwait(false))
            yield return await ReadAsync(live, id, time, cancellationToken).ConfigureAwait(false);
    }

    private Task<IReadOnlyList<ContainerStatsPoint>> ReadAsync(ILiveClient live, Guid id, TimeProvider time, CancellationToken cancellationToken)
    {
        var (from, to) = Range(time.GetUtcNow());
        return live.StatsHistoryAsync(id, from, to, Points, cancellationToken);
    }
}
