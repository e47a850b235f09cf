using Berth.ControlPlane.Teams;
using Berth.Host.Auth;

namespace Berth.Host.Api;

/// <summary><c>/api/v1/teams</c>: teams, their members and their quotas.</summary>
public static class TeamEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var g = api.MapGroup("/teams").WithTags("teams");
        g.MapGet("/", async (TeamService teams, HttpContext http)
            => TypedResults.Ok(await teams.ListAsync(await http.CallerAsync().ConfigureAwait(false), http.RequestAborted).ConfigureAwait(false)));
        g.MapPost("/", async (CreateTeamRequest body, TeamService teams, HttpContext http) =>
        {
            var team = await teams.CreateAsync(await http.CallerAsync().ConfigureAwait(false), body, http.RequestAborted).ConfigureAwait(false);
            return TypedResults.Created($"/api/v1/teams/{team.Id}", team);
        });
        g.MapGet("/{id:guid}", async (Guid id, TeamService teams, HttpContext http)
            => TypedResults.Ok(await teams.GetAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false)));
        g.MapDelete("/{id:guid}", async (Guid id, TeamService teams, HttpContext http) =>
        {
            await teams.DeleteAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false);
            return TypedResults.NoContent();
        });
        g.MapGet("/{id:guid}/members", async (Guid id, TeamService teams, HttpContext http)
            => TypedResults.Ok(await teams.MembersAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false)));
        g.MapPut("/{id:guid}/members/{user}", async (Guid id, string user, MemberRequest body, TeamService teams, HttpContext http)
            => TypedResults.Ok(await teams.SetMemberAsync(await http.CallerAsync().ConfigureAwait(false), id, user, body, http.RequestAborted).ConfigureAwait(false)));
        g.MapDelete("/{id:guid}/members/{user}", async (Guid id, string user, TeamService teams, HttpContext http) =>
        {
            await teams.RemoveMemberAsync(await http.CallerAsync().ConfigureAwait(false), id, user, http.RequestAborted).ConfigureAwait(false);
            return TypedResults.NoContent();
        });
        g.MapGet("/{id:guid}/quota", async (Guid id, TeamService teams, HttpContext http)
            => TypedResults.Ok(await teams.QuotaAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false)));
        g.MapPut("/{id:guid}/quota", async (Guid id, QuotaRequest body, TeamService teams, HttpContext http)
            => TypedResults.Ok(await teams.SetQuotaAsync(await http.CallerAsync().ConfigureAwait(false), id, body, http.RequestAborted).ConfigureAwait(false)));
    }
}
