using System.Text.RegularExpressions;
using Berth.Data.Entities;
using Berth.Host.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Berth.E2E;

/// <summary>The container page's terminal: xterm.js in chromium, a shell in the container.</summary>
public sealed class TerminalTests(Browser browser) : UiTest(browser)
{
    [Fact]
    public async Task Terminal_TypeACommand_ShowsItsOutputFromInsideTheContainer()
    {
        await Host.CreateUserAsync("tess", "blue", TeamRole.Member);
        Guid id;
        using (var tess = await Host.UserAsync("tess"))
        {
            var launched = await tess.PostAsync("api/v1/containers",
                new StringContent("""{"image":"busybox:latest","name":"e2e-term","command":["sleep","600"]}""", System.Text.Encoding.UTF8, "application/json"));
            var body = await launched.Content.ReadAsStringAsync();
            Assert.True(launched.IsSuccessStatusCode, body);
            id = Guid.Parse(Regex.Match(body, "\"id\":\"([0-9a-f-]{36})\"").Groups[1].Value);
        }
        await using var ui = await OpenAsync();
        await ui.SignInAsync("tess", "tess-password");
        await ui.OpenPageAsync($"/containers/{id}", "e2e-term");
        await ui.Page.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = "Terminal" }).ClickAsync();

        var screen = ui.Page.GetByTestId("terminal").Locator(".xterm-rows");
        // The shell's prompt shows the container's hostname and root user.
        await Expect(screen).ToContainTextAsync("#");
        await ui.Page.GetByTestId("terminal").ClickAsync();
        await ui.Page.Keyboard.TypeAsync("echo berth-$((6*7)) $(cat /proc/1/comm)");
        await ui.Page.Keyboard.PressAsync("Enter");
        // Computed by the container's shell; pid 1 is the container's own sleep.
        await Expect(screen).ToContainTextAsync("berth-42 sleep");
        await ui.ScreenshotAsync("container-terminal");

        await ui.Page.Keyboard.TypeAsync("exit");
        await ui.Page.Keyboard.PressAsync("Enter");
        await Expect(ui.Page.GetByTestId("terminal-ended")).ToBeVisibleAsync();
        Assert.Empty(ui.ConsoleErrors);
    }
}
