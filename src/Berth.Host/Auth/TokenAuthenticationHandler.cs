using System.Security.Claims;
using System.Text.Encodings.Web;
using Berth.ControlPlane.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Berth.Host.Auth;

/// <summary>Authenticates API tokens (<c>Authorization: Bearer berth_…</c>, or <c>access_token</c> on hub paths) against their stored hashes.</summary>
public sealed class TokenAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IdentityService identity)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Token";

    /// <summary>
    /// Whether the request carries a token: <c>Authorization: Bearer</c>, or on hub paths the <c>access_token</c> query
    /// parameter, since browsers cannot set headers on WebSocket and server-sent-event requests.
    /// </summary>
    public static bool HasToken(HttpRequest request) => Token(request) is not null;

    private static string? Token(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header["Bearer ".Length..].Trim();
        if (request.Path.StartsWithSegments("/hubs") && request.Query["access_token"].ToString() is { Length: > 0 } query) return query;
        return null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Token(Request) is not { } token) return AuthenticateResult.NoResult();
        var caller = await identity.CallerForTokenAsync(token, Context.Connection.RemoteIpAddress?.ToString(), Context.RequestAborted).ConfigureAwait(false);
        if (caller is null) return AuthenticateResult.Fail("invalid, expired or revoked token");
        // Read with the token: the request's endpoints need not read the user again.
        Context.RememberCaller(caller);
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, caller.UserId!.Value.ToString())], SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}
