using Berth.ControlPlane.Teams;
using Berth.Host.Auth;

namespace Berth.Host.Api;

/// <summary><c>/api/v1/users</c>: users (admins), and each user's own password.</summary>
public static class UserEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var g = api.MapGroup("/users").WithTags("users");
        g.MapGet("/", async (UserService users, HttpContext http)
            => TypedResults.Ok(await users.ListAsync(await http.CallerAsync().ConfigureAwait(false), http.RequestAborted).ConfigureAwait(false)));
        g.MapPost("/", async (CreateUserRequest body, UserService users, HttpContext http) =>
        {
            var user = await users.CreateAsync(await http.CallerAsync().ConfigureAwait(false), body, http.RequestAborted).ConfigureAwait(false);
            return TypedResults.Created($"/api/v1/users/{user.Id}", user);
        });
        g.MapGet("/{id:guid}", async (Guid id, UserService users, HttpContext http)
            => TypedResults.Ok(await users.GetAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false)));
        g.MapPatch("/{id:guid}", async (Guid id, UpdateUserRequest body, UserService users, HttpContext http)
            => TypedResults.Ok(await users.UpdateAsync(await http.CallerAsync().ConfigureAwait(false), id, body, http.RequestAborted).ConfigureAwait(false)));
        g.MapPost("/me/password", async (ChangePasswordRequest body, UserService users, HttpContext http) =>
        {
            await users.ChangePasswordAsync(await http.CallerAsync().ConfigureAwait(false), body, http.RequestAborted).ConfigureAwait(false);
            return TypedResults.NoContent();
        });
    }
}
