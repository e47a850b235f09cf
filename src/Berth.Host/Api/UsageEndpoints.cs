using Berth.ControlPlane;
using Berth.ControlPlane.Usage;
using Berth.Host.Auth;

namespace Berth.Host.Api;

/// <summary>
/// <c>/usage</c> and <c>/usage.csv</c>: usage summed by team, user or container over a period (default: the last
/// 30 days), of what the caller may audit plus the containers they launched.
/// </summary>
public static class UsageEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var g = api.MapGroup("/").WithTags("usage");
        g.MapGet("/usage", async (string? by, DateTimeOffset? from, DateTimeOffset? to, UsageService usage, HttpContext http)
            => TypedResults.Ok(await QueryAsync(by, from, to, usage, http).ConfigureAwait(false)));
        g.MapGet("/usage.csv", async (string? by, DateTimeOffset? from, DateTimeOffset? to, UsageService usage, HttpContext http) =>
        {
            var rows = await QueryAsync(by, from, to, usage, http).ConfigureAwait(false);
            http.Response.Headers.ContentDisposition = "attachment; filename=\"usage.csv\"";
            return TypedResults.Text(UsageCsv.Write(rows), "text/csv; charset=utf-8");
        });
    }

    private static async Task<IReadOnlyList<UsageRow>> QueryAsync(string? by, DateTimeOffset? from, DateTimeOffset? to, UsageService usage, HttpContext http)
    {
        var grouping = by?.ToLowerInvariant() switch
        {
            null or "team" => UsageGrouping.Team,
            "user" => UsageGrouping.User,
            "container" => UsageGrouping.Container,
            _ => throw ControlPlaneException.Invalid($"by must be team, user or container (given: {by})"),
        };
        var end = to ?? DateTimeOffset.UtcNow;
        var start = from ?? end.AddDays(-30);
        return await usage.QueryAsync(await http.CallerAsync().ConfigureAwait(false), grouping, start, end, http.RequestAborted).ConfigureAwait(false);
    }
}
