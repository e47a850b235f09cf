using Berth.ControlPlane.Networks;
using Berth.Host.Auth;

namespace Berth.Host.Api;

/// <summary><c>/api/v1/networks</c>: the teams' networks the caller may see, with their subnets and the containers on them.</summary>
public static class NetworkEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/networks", async (TeamNetworks networks, HttpContext http)
            => TypedResults.Ok(await networks.ListAsync(await http.CallerAsync().ConfigureAwait(false), http.RequestAborted).ConfigureAwait(false))).WithTags("networks");
    }
}
