using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Berth.Data.Entities;
using Berth.Host.Tests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Berth.E2E;

/// <summary>The web UI in Debian's chromium against a real host, database and engine: what users do and see.</summary>
public sealed class UiFlowTests(Browser browser) : UiTest(browser)
{
    [Fact]
    public async Task Member_LaunchWatchAndStop_EveryPageShowsIt()
    {
        await using var ui = await SignedInAsync("alice", "blue", TeamRole.Member);
        await ui.ScreenshotAsync("dashboard");

        await ui.OpenPageAsync("/containers", "Containers");
        await Expect(ui.Page.GetByTestId("empty-state")).ToContainTextAsync("No containers yet");

        await ui.OpenPageAsync("/launch", "Launch a container");
        await Expect(ui.Page.GetByTestId("launch-quota")).ToContainTextAsync("Containers");
        await ui.Field("launch-name").FillAsync("e2e-busy");
        await ui.Field("launch-command").FillAsync("sh -c 'echo hello-e2e; while :; do :; done'");
        await ui.Field("launch-cpus").FillAsync("0.2");
        await ui.ScreenshotAsync("launch");
        await ui.Page.GetByTestId("launch-submit").ClickAsync();

        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("e2e-busy");
        await Expect(ui.Page).ToHaveURLAsync(new Regex("/containers/[0-9a-f-]{36}$"));
        await Expect(ui.Page.GetByTestId("container-state")).ToHaveTextAsync("running");
        // The stats reach the page and show the busy loop's CPU.
        await Expect(ui.Page.GetByTestId("stats-cpu")).ToHaveTextAsync(new Regex("^[1-9][0-9.]* %$"));
        // The chart moves: a second sample gives it a second point in time.
        await Expect(ui.Page.GetByTestId("chart-cpu").Locator("text").Filter(new LocatorFilterOptions { HasTextRegex = new Regex(@"^\d\d:\d\d:\d\d$") }).Nth(1)).ToBeAttachedAsync();
        await ui.ScreenshotAsync("container-stats");

        await ui.Page.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = "Processes" }).ClickAsync();
        await Expect(ui.Page.GetByTestId("process-command").First).ToContainTextAsync("hello-e2e");
        await ui.ScreenshotAsync("container-processes");

        await ui.Page.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = "Logs" }).ClickAsync();
        await Expect(ui.Page.GetByTestId("log-lines")).ToContainTextAsync("hello-e2e");
        await ui.ScreenshotAsync("container-logs");

        await ui.Page.GetByTestId("action-stop").ClickAsync();
        await ui.ConfirmAsync("Stop");
        await Expect(ui.Page.GetByTestId("container-state")).Not.ToHaveTextAsync("running");
        await ui.Page.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = "Runs and events" }).ClickAsync();
        await Expect(ui.Page.GetByTestId("runs")).ToContainTextAsync("stopped");
        await ui.ScreenshotAsync("container-runs");

        await ui.OpenPageAsync("/containers", "Containers");
        await Expect(ui.Page.GetByTestId("containers-grid")).ToContainTextAsync("e2e-busy");
        await ui.ScreenshotAsync("containers");

        await ui.OpenPageAsync("/", "Dashboard");
        await Expect(ui.Page.GetByTestId("recent-events")).ToContainTextAsync("e2e-busy");

        Assert.Empty(ui.ConsoleErrors);
    }

    [Fact]
    public async Task Launch_OnTheTeamNetworkWithAPort_PageShowsAddressAndPort()
    {
        await using var ui = await SignedInAsync("nina", "green", TeamRole.Member);
        await ui.OpenPageAsync("/launch", "Launch a container");
        await Expect(ui.Page.GetByTestId("launch-quota")).ToContainTextAsync("Containers");
        await ui.Field("launch-name").FillAsync("e2e-net");
        await ui.Field("launch-command").FillAsync("sleep 600");
        // Ports are published on the team network only: the field opens with that choice.
        await Expect(ui.Field("launch-ports")).ToBeDisabledAsync();
        await ui.Page.GetByTestId("launch-network").ClickAsync();
        await ui.Page.Locator(".mud-popover-open").GetByText("team (the team's network)").ClickAsync();
        var port = Random.Shared.Next(20000, 40000);
        await ui.Field("launch-ports").FillAsync($"127.0.0.1:{port}:80");
        await ui.Page.GetByTestId("launch-submit").ClickAsync();

        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("e2e-net");
        await Expect(ui.Page.GetByTestId("container-state")).ToHaveTextAsync("running");
        await Expect(ui.Page.GetByTestId("ip-address")).ToHaveTextAsync(new Regex(@"\d+\.\d+\.\d+\.\d+"));
        await Expect(ui.Page.GetByTestId("ports")).ToContainTextAsync($"127.0.0.1:{port}:80");
        await ui.ScreenshotAsync("container-network");
    }

    [Fact]
    public async Task ContainerStats_OneHourChosen_ChartsTheUsageOfTheHour()
    {
        await using var ui = await SignedInAsync("hanna", "blue", TeamRole.Member);
        Guid id;
        using (var hanna = await Host.UserAsync("hanna"))
        {
            var launched = await hanna.PostAsJsonAsync("api/v1/containers", new { image = "busybox:latest", name = "e2e-history", command = new[] { "sleep", "600" } });
            Assert.True(launched.IsSuccessStatusCode, await launched.Content.ReadAsStringAsync());
            id = (await launched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        }
        // The usage of the last hour, as the sampler would have written it: 20 % of a core, 24 MiB.
        await using (var db = Host.NewDb())
        {
            var c = await db.Containers.SingleAsync(x => x.Id == id);
            var now = DateTimeOffset.UtcNow;
            db.UsageSamples.AddRange(Enumerable.Range(1, 5).Select(i => new UsageSample
            {
                ContainerId = id, TeamId = c.TeamId, UserId = c.OwnerId, Time = now.AddMinutes(-10 * i), IntervalSeconds = 10, CpuSeconds = 2,
                MemoryBytes = 24L << 20, Pids = 1,
            }));
            await db.SaveChangesAsync();
        }

        await ui.OpenPageAsync($"/containers/{id}", "e2e-history");
        var hour = ui.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "1 h", Exact = true });
        await ui.ClickUntilVisibleAsync(hour, ui.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "1 h", Exact = true, Pressed = true }));

        var cpu = ui.Page.GetByTestId("chart-cpu");
        await Expect(cpu.Locator("circle.mud-chart-point").Nth(4)).ToBeAttachedAsync();
        await Expect(cpu.Locator("text").Filter(new LocatorFilterOptions { HasTextRegex = new Regex(@"^\d\d:\d\d$") }).First).ToBeAttachedAsync();
        await Expect(ui.Page.GetByTestId("stats-history-memory")).ToContainTextAsync("page cache is not kept in history");
        await Expect(ui.Page.GetByTestId("stats-no-history")).ToHaveCountAsync(0);
        await Expect(ui.Page.Locator(".mud-alert")).ToHaveCountAsync(0);
        await ui.ScreenshotAsync("container-stats-1h");
        Assert.Empty(ui.ConsoleErrors);
    }

    [Fact]
    public async Task Viewer_OpensLaunch_IsToldTheyCannotLaunch()
    {
        await using var ui = await SignedInAsync("victor", "blue", TeamRole.Viewer);

        await ui.OpenPageAsync("/launch", "Launch a container");
        await Expect(ui.Page.GetByTestId("cannot-launch")).ToBeVisibleAsync();
        await Expect(ui.Page.GetByTestId("launch-submit")).ToHaveCountAsync(0);
        await ui.OpenPageAsync("/containers", "Containers");
        await Expect(ui.Page.GetByTestId("empty-state")).ToContainTextAsync("your role does not launch them");
    }

    [Fact]
    public async Task AnotherTeamsContainer_IsNotListed()
    {
        await Host.CreateUserAsync("bob", "blue", TeamRole.Member);
        await Host.CreateUserAsync("rita", "red", TeamRole.Member);
        using (var rita = await Host.UserAsync("rita"))
        {
            var launched = await rita.PostAsJsonAsync("api/v1/containers", new { image = "busybox:latest", name = "red-secret", command = new[] { "sleep", "600" } });
            Assert.True(launched.IsSuccessStatusCode, await launched.Content.ReadAsStringAsync());
        }
        await using var ui = await OpenAsync();
        await ui.SignInAsync("bob", "bob-password");

        await ui.OpenPageAsync("/containers", "Containers");
        await Expect(ui.Page.GetByTestId("empty-state")).ToBeVisibleAsync();
        await Expect(ui.Page.GetByText("red-secret")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task SignIn_WrongPassword_ShowsErrorAndStaysSignedOut()
    {
        await using var ui = await OpenAsync();
        await ui.Page.GotoAsync("/containers");
        await Expect(ui.Page).ToHaveURLAsync(new Regex("/login\\?"));

        await ui.Page.FillAsync("input[name=username]", "admin");
        await ui.Page.FillAsync("input[name=password]", "not-the-password");
        await ui.Page.ClickAsync("button[type=submit]");
        await Expect(ui.Page.GetByTestId("login-error")).ToContainTextAsync("Wrong username or password");

        await ui.Page.GotoAsync("/");
        await Expect(ui.Page).ToHaveURLAsync(new Regex("/login\\?"));
    }

    [Fact]
    public async Task SignOut_FromUserMenu_ReturnsToSignIn()
    {
        await using var ui = await OpenAsync();
        await ui.SignInAsync("admin", HostHarness.AdminPassword);
        await ui.Page.GetByTestId("user-menu").ClickAsync();
        await ui.Page.GetByTestId("sign-out").ClickAsync();
        await Expect(ui.Page).ToHaveURLAsync(new Regex("/login$"));

        await ui.Page.GotoAsync("/containers");
        await Expect(ui.Page).ToHaveURLAsync(new Regex("/login\\?"));
    }
}
