using Berth.ControlPlane.Live;
using Berth.Host.Auth;

namespace Berth.Host.Api;

/// <summary>Snapshots of live data for scripts: <c>/containers/{id}/stats</c> (the latest sample) and <c>/containers/{id}/processes</c> (the process tree).</summary>
public static class LiveEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var g = api.MapGroup("/containers").WithTags("containers");
        g.MapGet("/{id:guid}/stats", async (Guid id, LiveService live, HttpContext http)
            => TypedResults.Ok(await live.StatsAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false)));
        g.MapGet("/{id:guid}/processes", async (Guid id, LiveService live, HttpContext http)
            => TypedResults.Ok(await live.ProcessesAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false)));
    }
}
