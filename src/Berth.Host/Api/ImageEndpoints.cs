using Berth.ControlPlane.Images;
using Berth.Host.Auth;
using Microsoft.AspNetCore.Mvc;

namespace Berth.Host.Api;

/// <summary><c>/api/v1/images</c>: the local node's images and what each holds (config, layers); pulls (queued jobs with progress), uploads of image archives, removal and pruning.</summary>
public static class ImageEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var g = api.MapGroup("/images").WithTags("images");
        g.MapGet("/", async (ImageService images, HttpContext http)
            => TypedResults.Ok(await images.ListAsync(await http.CallerAsync().ConfigureAwait(false), http.RequestAborted).ConfigureAwait(false)));
        g.MapPost("/pull", async (PullRequest body, ImageService images, HttpContext http) =>
        {
            var pull = await images.PullAsync(await http.CallerAsync().ConfigureAwait(false), body.Reference, http.RequestAborted).ConfigureAwait(false);
            return TypedResults.Accepted($"/api/v1/images/pulls/{pull.Id}", pull);
        });
        g.MapGet("/pulls/{id:guid}", async (Guid id, ImageService images, HttpContext http)
            => TypedResults.Ok(images.GetPull(await http.CallerAsync().ConfigureAwait(false), id)));
        // The body is the archive itself, streamed to a file: this endpoint alone takes more than the API's 1 MiB.
        g.MapPost("/upload", async (string? tag, ImageService images, HttpContext http)
            => TypedResults.Ok(await images.UploadAsync(await http.CallerAsync().ConfigureAwait(false), http.Request.Body, tag, http.RequestAborted).ConfigureAwait(false)))
            .WithMetadata(new RequestSizeLimitAttribute(ImageService.MaxUploadBytes));
        g.MapPost("/prune", async (ImageService images, HttpContext http)
            => TypedResults.Ok(await images.PruneAsync(await http.CallerAsync().ConfigureAwait(false), http.RequestAborted).ConfigureAwait(false)));
        // References hold slashes (registry/repository:tag): the rest of the path, percent-decoded.
        g.MapGet("/{**reference}", async (string reference, ImageService images, HttpContext http)
            => TypedResults.Ok(await images.InspectAsync(await http.CallerAsync().ConfigureAwait(false), Uri.UnescapeDataString(reference), http.RequestAborted).ConfigureAwait(false)));
        g.MapDelete("/{**reference}", async (string reference, ImageService images, HttpContext http)
            => TypedResults.Ok(await images.RemoveAsync(await http.CallerAsync().ConfigureAwait(false), Uri.UnescapeDataString(reference), http.RequestAborted).ConfigureAwait(false)));
    }
}
