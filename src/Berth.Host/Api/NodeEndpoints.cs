using Berth.ControlPlane.Nodes;
using Berth.Host.Auth;

namespace Berth.Host.Api;

/// <summary><c>/api/v1/nodes</c>: the nodes, their capacity, heartbeat and running containers.</summary>
public static class NodeEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/nodes", async (NodeService nodes, HttpContext http)
            => TypedResults.Ok(await nodes.ListAsync(await http.CallerAsync().ConfigureAwait(false), http.RequestAborted).ConfigureAwait(false))).WithTags("nodes");
    }
}
