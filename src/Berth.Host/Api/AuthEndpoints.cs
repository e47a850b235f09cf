using System.Security.Claims;
using Berth.ControlPlane;
using Berth.ControlPlane.Identity;
using Berth.Host.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Berth.Host.Api;

/// <summary>Sign-in for scripts (<c>POST /auth/token</c>) and browsers (<c>/auth/login</c>, <c>/auth/logout</c>), and the caller's API tokens.</summary>
public static class AuthEndpoints
{
    public sealed record Credentials(string? Username, string? Password);

    public sealed record TokenRequest(string? Name, DateTimeOffset? ExpiresAt);

    public sealed record TokenIssued(string Token, Guid Id, string Name, DateTimeOffset? ExpiresAt);

    public sealed record TokenView(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

    public sealed record Me(Guid Id, string Username, string Role, IReadOnlyDictionary<Guid, string> Teams);

    public static void Map(RouteGroupBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("auth");
        auth.MapPost("/token", async (Credentials body, IdentityService identity, HttpContext http) =>
        {
            var user = await SignInAsync(body, identity, http).ConfigureAwait(false);
            var caller = await http.RequestServices.GetRequiredService<Berth.ControlPlane.Security.CallerFactory>()
                .ForUserAsync(user.Id, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted).ConfigureAwait(false);
            var (token, text) = await identity.CreateTokenAsync(caller!, "api " + DateTimeOffset.UtcNow.ToString("u", System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddDays(30), http.RequestAborted).ConfigureAwait(false);
            return TypedResults.Ok(new TokenIssued(text, token.Id, token.Name, token.ExpiresAt));
        }).AllowAnonymous();
        auth.MapPost("/login", async (Credentials body, IdentityService identity, HttpContext http) =>
        {
            var user = await SignInAsync(body, identity, http).ConfigureAwait(false);
            var principal = new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(ClaimTypes.Name, user.Username)], CookieAuthenticationDefaults.AuthenticationScheme));
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal).ConfigureAwait(false);
            return TypedResults.NoContent();
        }).AllowAnonymous();
        auth.MapPost("/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            return TypedResults.NoContent();
        }).AllowAnonymous();
        auth.MapGet("/me", async (HttpContext http) =>
        {
            var c = await http.CallerAsync().ConfigureAwait(false);
            return TypedResults.Ok(new Me(c.UserId!.Value, c.Name, c.Role.ToString().ToLowerInvariant(), c.Teams.ToDictionary(t => t.Key, t => t.Value.ToString().ToLowerInvariant())));
        });

        var tokens = api.MapGroup("/tokens").WithTags("auth");
        tokens.MapGet("/", async (IdentityService identity, HttpContext http) =>
        {
            var list = await identity.ListTokensAsync(await http.CallerAsync().ConfigureAwait(false), http.RequestAborted).ConfigureAwait(false);
            return TypedResults.Ok(list.Select(t => new TokenView(t.Id, t.Name, t.Prefix, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt)).ToList());
        });
        tokens.MapPost("/", async (TokenRequest body, IdentityService identity, HttpContext http) =>
        {
            var (token, text) = await identity.CreateTokenAsync(await http.CallerAsync().ConfigureAwait(false), body.Name ?? "", body.ExpiresAt, http.RequestAborted).ConfigureAwait(false);
            return TypedResults.Created($"/api/v1/tokens/{token.Id}", new TokenIssued(text, token.Id, token.Name, token.ExpiresAt));
        });
        tokens.MapDelete("/{id:guid}", async (Guid id, IdentityService identity, HttpContext http) =>
        {
            await identity.RevokeTokenAsync(await http.CallerAsync().ConfigureAwait(false), id, http.RequestAborted).ConfigureAwait(false);
            return TypedResults.NoContent();
        });
    }

    private static async Task<Berth.Data.Entities.User> SignInAsync(Credentials body, IdentityService identity, HttpContext http)
    {
        if (string.IsNullOrEmpty(body.Username) || string.IsNullOrEmpty(body.Password)) throw ControlPlaneException.Invalid("username and password are required");
        return await identity.SignInAsync(body.Username, body.Password, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted).ConfigureAwait(false)
            ?? throw new ControlPlaneException(ProblemKind.Unauthenticated, "wrong username or password");
    }
}
