using Berth.ControlPlane.History;
using Berth.Host.Auth;

namespace Berth.Host.Api;

/// <summary><c>/api/v1/runs</c>: the history of runs across containers, as JSON or CSV.</summary>
public static class RunEndpoints
{
    private static readonly string[] Header =
        ["id", "containerId", "container", "teamId", "image", "startedBy", "startedAt", "endedAt", "exitCode", "signal", "oomKilled", "reason"];

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/runs", async ([AsParameters] RunFilter filter, RunQueries runs, HttpContext http)
            => TypedResults.Ok(await runs.ListAsync(await http.CallerAsync().ConfigureAwait(false), filter, http.RequestAborted).ConfigureAwait(false))).WithTags("runs");
        api.MapGet("/runs.csv", async ([AsParameters] RunFilter filter, RunQueries runs, HttpContext http) =>
        {
            var rows = await runs.ExportAsync(await http.CallerAsync().ConfigureAwait(false), filter, http.RequestAborted).ConfigureAwait(false);
            return Csv.Download(rows, Header, r => [r.Id, r.ContainerId, r.Container, r.TeamId, r.Image, r.StartedBy, r.StartedAt, r.EndedAt, r.ExitCode,
                r.Signal, r.OomKilled, r.Reason], "runs.csv");
        }).WithTags("runs");
    }
}
