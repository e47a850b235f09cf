using Berth.Data.Entities;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Berth.E2E;

/// <summary>
/// A live page whose connection to the host drops (the browser reaches the host through a <see cref="TcpRelay"/>):
/// Blazor's reconnect dialog shows while the host is out of reach, and the page comes back by itself with fresh data,
/// also when the host restarted meanwhile and no longer knows the page's circuit.
/// </summary>
public sealed class ReconnectTests(Browser browser) : UiTest(browser)
{
    /// <summary>Blazor's own reconnect dialog (blazor.web.js puts it in the shadow root of <c>#components-reconnect-modal</c>).</summary>
    private static ILocator ReconnectDialog(UiSession ui) => ui.Page.Locator("#components-reconnect-modal .components-reconnect-overlay");

    /// <summary>Signs <paramref name="user"/> in through <paramref name="relay"/> and opens the page of a running container, its stats coming.</summary>
    private async Task<UiSession> ContainerPageAsync(TcpRelay relay, string user, string name)
    {
        await Host.CreateUserAsync(user, "blue", TeamRole.Member);
        var id = await LaunchBusyboxAsync(user, name);
        var ui = await OpenAsync(relay.BaseAddress);
        try
        {
            await ui.SignInAsync(user, user + "-password");
            await ui.OpenPageAsync($"/containers/{id}", name);
            await Expect(ui.Page.GetByTestId("stats-now")).ToBeVisibleAsync();
            return ui;
        }
        catch
        {
            await ui.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the stats line shows a sample taken after <paramref name="time"/>.</summary>
    private static async Task ExpectSampleAfterAsync(UiSession ui, DateTimeOffset time)
        => await ui.Page.WaitForFunctionAsync(
            "t => Number(document.querySelector('[data-testid=stats-now]')?.dataset.sampleTime) > t",
            time.ToUnixTimeMilliseconds(), new PageWaitForFunctionOptions { Timeout = 20_000 });

    [Fact]
    public async Task ConnectionDropped_HostOutOfReachThenBack_DialogShowsThenPageGoesOnWithFreshStats()
    {
        await using var relay = new TcpRelay(Host.BaseAddress.Port);
        await using var ui = await ContainerPageAsync(relay, "rhea", "e2e-reconnect");
        await Expect(ReconnectDialog(ui)).ToBeHiddenAsync();

        relay.Pause();
        relay.DropAll();
        await Expect(ReconnectDialog(ui)).ToBeVisibleAsync();
        await Expect(ReconnectDialog(ui)).ToContainTextAsync("Rejoining the server");
        // Out of reach for a while: the dialog stays, and the page shows nothing new meanwhile.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await Expect(ReconnectDialog(ui)).ToBeVisibleAsync();
        await ui.ScreenshotAsync("reconnect-dialog");

        var back = DateTimeOffset.UtcNow;
        relay.Resume();
        await Expect(ReconnectDialog(ui)).ToBeHiddenAsync();
        await ExpectSampleAfterAsync(ui, back);

        // The circuit is the same one, and it still answers the user.
        await ui.Page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Containers", Exact = true }).ClickAsync();
        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("Containers");
        await Expect(ui.Page.GetByTestId("containers-grid")).ToContainTextAsync("e2e-reconnect");
    }

    [Fact]
    public async Task HostRestarted_CircuitGone_PageReloadsByItselfWithFreshStats()
    {
        await using var relay = new TcpRelay(Host.BaseAddress.Port);
        await using var ui = await ContainerPageAsync(relay, "remy", "e2e-restart");
        // Gone with the document when the page reloads.
        await ui.Page.EvaluateAsync("() => window.berthBeforeRestart = true");

        relay.Pause();
        relay.DropAll();
        await Expect(ReconnectDialog(ui)).ToBeVisibleAsync();
        await Host.StopHostAsync();
        await Host.StartHostAsync();
        relay.TargetPort = Host.BaseAddress.Port;
        var back = DateTimeOffset.UtcNow;
        relay.Resume();

        // The new host refuses the old circuit; blazor.web.js then reloads the page, which starts a new one.
        await ui.Page.WaitForFunctionAsync("() => window.berthBeforeRestart === undefined", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("e2e-restart");
        await Expect(ReconnectDialog(ui)).ToBeHiddenAsync();
        await ExpectSampleAfterAsync(ui, back);
        await Expect(ui.Page.GetByTestId("container-state")).ToHaveTextAsync("running");
    }
}
