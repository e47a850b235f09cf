using Berth.ControlPlane.Live;
using Berth.Host.Auth;

namespace Berth.Host.Api;

/// <summary>
/// Snapshots of live data for scripts: <c>/containers/{id}/stats</c> (the latest sample),
/// <c>/containers/{id}/stats/history</c> (stats over a period from the usage samples: by default the last hour in
/// 300 points) and <c>/containers/{id}/processes</c> (the process tree).
/// </summary>
public static class LiveEndpoints
{
    /// <summary>The period of <c>stats/history</c> when <c>from</c> is not given: the hour before <c>to</c>.</summary>
    public static readonly TimeSpan DefaultHistorySpan = TimeSpan.FromHours(1);

    /// <summary>The points of <c>stats/history</c> when <c>points</c> is not given.</summary>
    public const int DefaultHistoryPoints = 300;

    public static void Map(RouteGroupBuilder api)
    {
        var g = api.MapGroup("/containers").WithTags("containers");
        g.MapGet("/{id:guid}/stats", async (Guid id, LiveService live, HttpContext http)
            => TypedResults.Ok(await live.StatsAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false)));
        g.MapGet("/{id:guid}/stats/history", async (Guid id, DateTimeOffset? from, DateTimeOffset? to, int? points, LiveService live, HttpContext http) =>
        {
            var end = to ?? DateTimeOffset.UtcNow;
            var start = from ?? end - DefaultHistorySpan;
            return TypedResults.Ok(await live.StatsHistoryAsync(await http.CallerAsync().ConfigureAwait(false), id, start, end, points ?? DefaultHistoryPoints, http.RequestAborted).ConfigureAwait(false));
        });
        g.MapGet("/{id:guid}/processes", async (Guid id, LiveService live, HttpContext http)
            => TypedResults.Ok(await live.ProcessesAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false)));
    }
}
