using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Berth.ControlPlane.Identity;
using Berth.Data.Entities;
using Berth.Host.Tests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Berth.E2E;

/// <summary>The API tokens page in Debian's chromium against a real host: tokens made, copied, used and revoked.</summary>
public sealed class TokensPageTests(Browser browser) : UiTest(browser)
{
    [Fact]
    public async Task CreateCopyRevoke_TextShownOnceWorksThenRefused_RowShowsRevoked()
    {
        await Host.CreateUserAsync("tess", "blue", TeamRole.Member);
        await using var ui = await OpenAsync();
        await ui.Page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await ui.SignInAsync("tess", "tess-password");

        await ui.Page.GetByTestId("user-menu").ClickAsync();
        await ui.Page.Locator(".mud-popover-open").GetByText("API tokens").ClickAsync();
        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("API tokens");
        await Expect(ui.Page.GetByTestId("tokens-empty")).ToBeVisibleAsync();

        // The service's own refusal of a nameless token is shown.
        await ui.Page.GetByTestId("token-create").ClickAsync();
        await Expect(ui.Page.GetByTestId("token-error")).ToContainTextAsync("a token needs a name");

        await ui.Field("token-name").FillAsync("ci-deploy");
        await ui.Page.GetByTestId("token-create").ClickAsync();
        await Expect(ui.Page.GetByTestId("token-text")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^" + ApiTokens.Prefix));
        await Expect(ui.Page.GetByTestId("token-error")).ToHaveCountAsync(0);
        var text = (await ui.Page.GetByTestId("token-text").TextContentAsync())!;
        var row = ui.Page.GetByTestId("tokens-table").Locator("tbody tr").Filter(new LocatorFilterOptions { HasText = "ci-deploy" });
        await Expect(row).ToContainTextAsync(text[..12]);
        await Expect(row.GetByTestId("token-status")).ToHaveTextAsync("active");
        await ui.ScreenshotAsync("tokens-created");

        await ui.Page.GetByTestId("token-copy").ClickAsync();
        await Expect(ui.Page.Locator(".mud-snackbar")).ToContainTextAsync("copied");
        Assert.Equal(text, await ui.Page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));

        using var script = Host.Anonymous();
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", text);
        Assert.Equal("tess", (await script.GetFromJsonAsync<JsonElement>("api/v1/auth/me")).GetProperty("username").GetString());

        // Shown once: the page opened again has the row, not the text.
        await ui.OpenPageAsync("/tokens", "API tokens");
        await Expect(row.GetByTestId("token-status")).ToHaveTextAsync("active");
        await Expect(ui.Page.GetByTestId("token-text")).ToHaveCountAsync(0);
        Assert.DoesNotContain(text, await ui.Page.ContentAsync(), StringComparison.Ordinal);

        await row.GetByTestId("token-revoke").ClickAsync();
        await ui.ConfirmAsync("Revoke");
        await Expect(row.GetByTestId("token-status")).ToHaveTextAsync("revoked");
        await Expect(row.GetByTestId("token-revoked-at")).ToBeVisibleAsync();
        await Expect(row.GetByTestId("token-revoke")).ToHaveCountAsync(0);
        await ui.ScreenshotAsync("tokens-revoked");

        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("api/v1/auth/me")).StatusCode);
        await using (var db = Host.NewDb())
            Assert.NotNull((await db.ApiTokens.SingleAsync(t => t.Name == "ci-deploy")).RevokedAt);
        Assert.Empty(ui.ConsoleErrors);
    }
}
