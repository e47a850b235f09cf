using System.Security.Claims;
using Berth.ControlPlane;
using Berth.ControlPlane.Security;
using Berth.Ui.Model;
using Microsoft.AspNetCore.Components.Authorization;

namespace Berth.Host.Ui;

/// <summary>
/// The signed-in user of a Blazor circuit (from the cookie the circuit was opened with), their roles read afresh on
/// each call as the API and the hub do. The remote address is the one the circuit's connection came from.
/// </summary>
public sealed class CircuitSession(AuthenticationStateProvider authentication, CallerFactory callers, IHttpContextAccessor http) : ISessionClient
{
    private readonly string? _remoteAddress = http.HttpContext?.Connection.RemoteIpAddress?.ToString();

    public async Task<Caller> CallerAsync(CancellationToken cancellationToken)
    {
        var state = await authentication.GetAuthenticationStateAsync().ConfigureAwait(false);
        var id = state.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (id is null || !Guid.TryParse(id, out var userId)) throw new ControlPlaneException(ProblemKind.Unauthenticated, "sign in first");
        return await callers.ForUserAsync(userId, _remoteAddress, cancellationToken).ConfigureAwait(false)
            ?? throw new ControlPlaneException(ProblemKind.Unauthenticated, "this user no longer exists or is disabled");
    }
}
