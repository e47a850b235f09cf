using System.Security.Claims;
using Berth.ControlPlane;
using Berth.ControlPlane.Security;

namespace Berth.Host.Auth;

/// <summary>The <see cref="Caller"/> of a request: its user (from the cookie or the token), their roles read afresh, and the remote address.</summary>
public static class CallerAccessor
{
    private const string Key = "berth.caller";

    /// <summary>The request's caller; a 401 refusal when nobody (or a since-disabled user) is signed in.</summary>
    public static async Task<Caller> CallerAsync(this HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.Items.TryGetValue(Key, out var cached) && cached is Caller c) return c;
        var id = http.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (id is null || !Guid.TryParse(id, out var userId)) throw new ControlPlaneException(ProblemKind.Unauthenticated, "sign in, or send an API token as Authorization: Bearer");
        var caller = await http.RequestServices.GetRequiredService<CallerFactory>().ForUserAsync(userId, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted).ConfigureAwait(false)
            ?? throw new ControlPlaneException(ProblemKind.Unauthenticated, "this user no longer exists or is disabled");
        http.Items[Key] = caller;
        return caller;
    }

    /// <summary>Keeps <paramref name="caller"/>, read while authenticating, as the request's caller.</summary>
    public static void RememberCaller(this HttpContext http, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Items[Key] = caller;
    }
}
