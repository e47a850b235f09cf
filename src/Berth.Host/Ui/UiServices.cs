using System.Security.Claims;
using Berth.ControlPlane;
using Berth.ControlPlane.Identity;
using Berth.Ui.Components;
using Berth.Ui.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.FileProviders;
using MudBlazor.Services;

namespace Berth.Host.Ui;

/// <summary>
/// The host's wiring of the web UI (<c>Berth.Ui</c>): Blazor Server with MudBlazor, the UI's clients over the control
/// plane, and the sign-in form's endpoints (<c>/account/login</c>, <c>/account/logout</c>), which set and clear the
/// same cookie as <c>/api/v1/auth/login</c>.
/// </summary>
public static class UiServices
{
    public static void Add(IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddCascadingAuthenticationState();
        services.AddHttpContextAccessor();
        services.AddScoped<ISessionClient, CircuitSession>();
        services.AddScoped<IContainerClient, ContainerClient>();
        services.AddScoped<IRunHistoryClient, RunHistoryClient>();
        services.AddScoped<IAuditClient, AuditClient>();
        services.AddScoped<IUsageClient, UsageClient>();
        services.AddScoped<ITemplateClient, TemplateClient>();
        services.AddScoped<IAdminClient, AdminClient>();
        services.AddScoped<ILiveClient, LiveClient>();
        services.AddScoped<ITerminalClient, TerminalClient>();
        services.AddScoped<ITokenClient, TokenClient>();
        services.AddScoped<IImageClient, ImageClient>();
    }

    /// <summary>Maps the pages and the sign-in form's endpoints; call after authentication and authorisation.</summary>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAntiforgery();
        app.MapStaticAssets();
        // Front-end packages built from npm (wwwroot-assets/dist, copied beside the host as assets/): xterm.js.
        var assets = Path.Combine(AppContext.BaseDirectory, "assets");
        if (Directory.Exists(assets)) app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(assets), RequestPath = "/assets" });
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

        var account = app.MapGroup("/account").ExcludeFromDescription();
        account.MapPost("/login", async ([FromForm] string? username, [FromForm] string? password, [FromForm] string? returnUrl, IdentityService identity, HttpContext http) =>
        {
            var back = LocalPath.Or(returnUrl, "/");
            if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password))
                return Results.LocalRedirect("/login?error=1&returnUrl=" + Uri.EscapeDataString(back));
            var user = await identity.SignInAsync(username, password, http.Connection.RemoteIpAddress?.ToString(), http.RequestAborted).ConfigureAwait(false);
            if (user is null) return Results.LocalRedirect("/login?error=1&returnUrl=" + Uri.EscapeDataString(back));
            var principal = new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(ClaimTypes.Name, user.Username)], CookieAuthenticationDefaults.AuthenticationScheme));
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal).ConfigureAwait(false);
            return Results.LocalRedirect(back);
        }).AllowAnonymous();
        account.MapPost("/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            return Results.LocalRedirect("/login");
        }).AllowAnonymous();
    }
}
