using System.Text;
using Berth.ControlPlane.Containers;
using Berth.Engine;
using Berth.Host.Auth;

namespace Berth.Host.Api;

/// <summary><c>/api/v1/containers</c>: launch, list, inspect, start, stop, restart, remove, runs, events and logs.</summary>
public static class ContainerEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var g = api.MapGroup("/containers").WithTags("containers");
        g.MapPost("/", async (CreateContainerRequest body, ContainerService containers, HttpContext http) =>
        {
            var view = await containers.CreateAsync(await http.CallerAsync().ConfigureAwait(false), body, http.RequestAborted).ConfigureAwait(false);
            return TypedResults.Created($"/api/v1/containers/{view.Id}", view);
        });
        g.MapGet("/", async (bool? all, ContainerService containers, HttpContext http)
            => TypedResults.Ok(await containers.ListAsync(await http.CallerAsync().ConfigureAwait(false), all ?? false, http.RequestAborted).ConfigureAwait(false)));
        g.MapGet("/{id:guid}", async (Guid id, ContainerService containers, HttpContext http)
            => TypedResults.Ok(await containers.GetAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false)));
        g.MapPost("/{id:guid}/start", async (Guid id, ContainerService containers, HttpContext http)
            => TypedResults.Ok(await containers.StartAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false)));
        g.MapPost("/{id:guid}/stop", async (Guid id, ContainerService containers, HttpContext http)
            => TypedResults.Ok(await containers.StopAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false)));
        g.MapPost("/{id:guid}/restart", async (Guid id, ContainerService containers, HttpContext http)
            => TypedResults.Ok(await containers.RestartAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false)));
        g.MapDelete("/{id:guid}", async (Guid id, ContainerService containers, HttpContext http) =>
        {
            await containers.RemoveAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false);
            return TypedResults.NoContent();
        });
        g.MapGet("/{id:guid}/runs", async (Guid id, ContainerService containers, HttpContext http)
            => TypedResults.Ok(await containers.RunsAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false)));
        g.MapGet("/{id:guid}/events", async (Guid id, ContainerService containers, HttpContext http)
            => TypedResults.Ok(await containers.EventsAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false)));
        g.MapGet("/{id:guid}/logs", async (Guid id, int? tail, bool? download, ContainerService containers, HttpContext http) =>
        {
            if (tail is < 0) throw Berth.ControlPlane.ControlPlaneException.Invalid("tail must be 0 or more");
            var file = await containers.LogFileAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false);
            var lines = file is { } f ? ContainerLogReader.Read(f.Path, tail) : [];
            var text = new StringBuilder();
            foreach (var line in lines) text.Append(line.Text);
            if (download == true) http.Response.Headers.ContentDisposition = $"attachment; filename=\"{id}.log\"";
            return TypedResults.Text(text.ToString(), "text/plain; charset=utf-8");
        });
    }
}
