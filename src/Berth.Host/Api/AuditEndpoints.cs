using Berth.ControlPlane.Audit;
using Berth.Host.Auth;

namespace Berth.Host.Api;

/// <summary><c>/api/v1/audit</c>: the audit trail (pages, CSV export) and the check of its hash chain.</summary>
public static class AuditEndpoints
{
    private static readonly string[] Header =
        ["id", "time", "actorId", "actor", "action", "targetType", "targetId", "teamId", "team", "remoteAddress", "outcome", "detail", "previousHash", "hash"];

    public static void Map(RouteGroupBuilder api)
    {
        var g = api.MapGroup("/audit").WithTags("audit");
        g.MapGet("/", async ([AsParameters] AuditFilter filter, AuditQueries audit, HttpContext http)
            => TypedResults.Ok(await audit.ListAsync(await http.CallerAsync().ConfigureAwait(false), filter, http.RequestAborted).ConfigureAwait(false)));
        g.MapGet("/verify", async (AuditQueries audit, HttpContext http)
            => TypedResults.Ok(await audit.VerifyAsync(await http.CallerAsync().ConfigureAwait(false), http.RequestAborted).ConfigureAwait(false)));
        api.MapGet("/audit.csv", async ([AsParameters] AuditFilter filter, AuditQueries audit, HttpContext http) =>
        {
            var rows = await audit.ExportAsync(await http.CallerAsync().ConfigureAwait(false), filter, http.RequestAborted).ConfigureAwait(false);
            return Csv.Download(rows, Header, e => [e.Id, e.Time, e.ActorId, e.Actor, e.Action, e.TargetType, e.TargetId, e.TeamId, e.Team, e.RemoteAddress,
                e.Outcome, e.Detail, e.PreviousHash, e.Hash], "audit.csv");
        }).WithTags("audit");
    }
}
