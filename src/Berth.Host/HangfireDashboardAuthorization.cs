using System.Security.Claims;
using Berth.Data.Entities;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;

namespace Berth.Host;

/// <summary>The Hangfire dashboard is for signed-in admins only.</summary>
public sealed class HangfireDashboardAuthorization : IDashboardAsyncAuthorizationFilter
{
    public async Task<bool> AuthorizeAsync(DashboardContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.GetHttpContext();
        var result = await http.AuthenticateAsync().ConfigureAwait(false);
        if (!result.Succeeded || result.Principal.FindFirstValue(ClaimTypes.NameIdentifier) is not { } id || !Guid.TryParse(id, out var userId)) return false;
        var caller = await http.RequestServices.GetRequiredService<Berth.ControlPlane.Security.CallerFactory>().ForUserAsync(userId, null, http.RequestAborted).ConfigureAwait(false);
        return caller?.Role == GlobalRole.Admin;
    }
}
