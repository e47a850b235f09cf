using System.Text.RegularExpressions;
using Berth.Data.Entities;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Berth.E2E;

/// <summary>The web UI with the keyboard alone: signing in, the navigation, the launch form and a container's tabs.</summary>
public sealed class KeyboardTests(Browser browser) : UiTest(browser)
{
    [Fact]
    public async Task SignIn_TypeTabTypeEnter_ReachesTheDashboard()
    {
        await Host.CreateUserAsync("kara", "blue", TeamRole.Member);
        await using var ui = await OpenAsync();
        await ui.Page.GotoAsync("/login");

        // The form opens with the focus in its first field.
        await Expect(ui.Page.Locator("input[name=username]")).ToBeFocusedAsync();
        await ui.Page.Keyboard.TypeAsync("kara");
        await ui.Page.Keyboard.PressAsync("Tab");
        await Expect(ui.Page.Locator("input[name=password]")).ToBeFocusedAsync();
        await ui.Page.Keyboard.TypeAsync("kara-password");
        await ui.Page.Keyboard.PressAsync("Enter");

        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("Dashboard");
    }

    [Fact]
    public async Task Navigation_TabToALinkAndEnter_OpensThePageWithTheFocusOnItsTitle()
    {
        await using var ui = await SignedInAsync("kane", "blue", TeamRole.Member);

        // The icon buttons of the bar are on the way, each with a name.
        await ui.TabToAsync(ui.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "user menu", Exact = true }));
        await ui.TabToAsync(ui.Page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Containers", Exact = true }));
        await ui.Page.Keyboard.PressAsync("Enter");
        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("Containers");
        await Expect(ui.Page.Locator("#page-title")).ToBeFocusedAsync();
        await Expect(ui.Page.GetByTestId("empty-state")).ToBeVisibleAsync();

        // From the title, the next stop is the page's own first control.
        await ui.Page.Keyboard.PressAsync("Tab");
        var launch = ui.Page.Locator(".mud-main-content").GetByRole(AriaRole.Link, new LocatorGetByRoleOptions { Name = "Launch" }).First;
        await Expect(launch).ToBeFocusedAsync();
        await ui.Page.Keyboard.PressAsync("Enter");
        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("Launch a container");
        await Expect(ui.Page.Locator("#page-title")).ToBeFocusedAsync();
    }

    [Fact]
    public async Task LaunchForm_FilledAndSubmittedByKeyboard_LandsOnTheContainerAndItsTabsFollowTheArrows()
    {
        await using var ui = await SignedInAsync("kurt", "blue", TeamRole.Member);
        await ui.OpenPageAsync("/launch", "Launch a container");
        await Expect(ui.Page.GetByTestId("launch-quota")).ToContainTextAsync("Containers");

        await ui.TabToAsync(ui.Field("launch-name"));
        await ui.Page.Keyboard.TypeAsync("e2e-keys");
        await ui.Page.Keyboard.PressAsync("Tab");
        await Expect(ui.Field("launch-command")).ToBeFocusedAsync();
        await ui.Page.Keyboard.TypeAsync("sh -c 'echo hello-keys; sleep 600'");
        await ui.TabToAsync(ui.Page.GetByTestId("launch-submit"));
        await ui.Page.Keyboard.PressAsync("Enter");

        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("e2e-keys");
        await Expect(ui.Page).ToHaveURLAsync(new Regex("/containers/[0-9a-f-]{36}$"));
        await Expect(ui.Page.GetByTestId("container-state")).ToHaveTextAsync("running");

        // The tab list is one stop; the arrows move along it (each move a round trip to the circuit), Enter opens a tab.
        ILocator Tab(string name) => ui.Page.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = name, Exact = true });
        await ui.TabToAsync(Tab("Stats"));
        await ui.Page.Keyboard.PressAsync("ArrowRight");
        await Expect(Tab("Processes")).ToBeFocusedAsync();
        await ui.Page.Keyboard.PressAsync("ArrowRight");
        await Expect(Tab("Logs")).ToBeFocusedAsync();
        await ui.Page.Keyboard.PressAsync("Enter");
        await Expect(ui.Page.GetByTestId("log-lines")).ToContainTextAsync("hello-keys");
        Assert.Empty(ui.ConsoleErrors);
    }
}
