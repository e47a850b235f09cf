using Berth.Host.Tests;
using static Microsoft.Playwright.Assertions;

namespace Berth.E2E;

/// <summary>The theme switch in Debian's chromium: it changes the page's colours, and the choice outlives a reload.</summary>
public sealed class ThemeTests(Browser browser) : UiTest(browser)
{
    private static Task<string> BackgroundAsync(UiSession ui)
        => ui.Page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).getPropertyValue('--mud-palette-background').trim()");

    [Fact]
    public async Task ThemeSwitched_Reloaded_TheChoiceStays()
    {
        await using var ui = await SignedInAsync("admin", HostHarness.AdminPassword);
        var toggle = ui.Page.GetByTestId("theme-toggle");
        await Expect(toggle).ToHaveAttributeAsync("aria-label", "switch to the dark theme");
        var light = await BackgroundAsync(ui);

        await toggle.ClickAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-label", "switch to the light theme");
        var dark = await BackgroundAsync(ui);
        Assert.NotEqual(light, dark);
        await ui.ScreenshotAsync("dashboard-dark");

        await ui.OpenPageAsync("/containers", "Containers");
        await ui.Page.ReloadAsync();
        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("Containers");
        await Expect(ui.Page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("aria-label", "switch to the light theme");
        Assert.Equal(dark, await BackgroundAsync(ui));
        Assert.Empty(ui.ConsoleErrors);
    }
}
