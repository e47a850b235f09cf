using Berth.ControlPlane.Templates;
using Berth.Host.Auth;

namespace Berth.Host.Api;

/// <summary><c>/api/v1/templates</c>: saved container definitions of teams (launch one with <c>templateId</c> on <c>POST /api/v1/containers</c>).</summary>
public static class TemplateEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var g = api.MapGroup("/templates").WithTags("templates");
        g.MapGet("/", async (TemplateService templates, HttpContext http)
            => TypedResults.Ok(await templates.ListAsync(await http.CallerAsync().ConfigureAwait(false), http.RequestAborted).ConfigureAwait(false)));
        g.MapPost("/", async (TemplateRequest body, TemplateService templates, HttpContext http) =>
        {
            var template = await templates.CreateAsync(await http.CallerAsync().ConfigureAwait(false), body, http.RequestAborted).ConfigureAwait(false);
            return TypedResults.Created($"/api/v1/templates/{template.Id}", template);
        });
        g.MapGet("/{id:guid}", async (Guid id, TemplateService templates, HttpContext http)
            => TypedResults.Ok(await templates.GetAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false)));
        g.MapPut("/{id:guid}", async (Guid id, TemplateRequest body, TemplateService templates, HttpContext http)
            => TypedResults.Ok(await templates.UpdateAsync(await http.CallerAsync().ConfigureAwait(false), id, body, http.RequestAborted).ConfigureAwait(false)));
        g.MapDelete("/{id:guid}", async (Guid id, TemplateService templates, HttpContext http) =>
        {
            await templates.DeleteAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false);
            return TypedResults.NoContent();
        });
    }
}
