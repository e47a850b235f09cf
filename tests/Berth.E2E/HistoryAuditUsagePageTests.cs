using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Berth.Data.Entities;
using Berth.Host.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Berth.E2E;

/// <summary>The History, Audit and Usage pages in Debian's chromium against a real host, database and engine.</summary>
public sealed class HistoryAuditUsagePageTests(Browser browser) : UiTest(browser)
{
    /// <summary>Launches <paramref name="name"/> as <paramref name="user"/> through the API, stops it, and waits until its run has ended.</summary>
    private async Task LaunchAndStopAsync(string user, string name)
    {
        using var client = await Host.UserAsync(user);
        var launched = await client.PostAsJsonAsync("api/v1/containers", new { image = "busybox:latest", name, command = new[] { "sleep", "600" } });
        Assert.True(launched.IsSuccessStatusCode, await launched.Content.ReadAsStringAsync());
        var id = (await launched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var stopped = await client.PostAsync($"api/v1/containers/{id}/stop", null);
        Assert.True(stopped.IsSuccessStatusCode, await stopped.Content.ReadAsStringAsync());
        await HostHarness.WaitUntilAsync(async () =>
        {
            var runs = await client.GetFromJsonAsync<JsonElement>($"api/v1/containers/{id}/runs");
            return runs.GetArrayLength() > 0 && runs[0].GetProperty("endedAt").ValueKind != JsonValueKind.Null;
        }, $"the run of {name} to end");
    }

    [Fact]
    public async Task Member_LaunchedAndStopped_HistoryShowsTheRunItsExitAndExportsIt()
    {
        await Host.CreateUserAsync("hana", "teal", TeamRole.Member);
        await LaunchAndStopAsync("hana", "hist-run");
        await using var ui = await SignedInAsync("hana", "hana-password");

        await ui.Page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "History", Exact = true }).ClickAsync();
        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("History");
        var row = ui.Page.GetByTestId("history-grid").Locator("tbody tr").Filter(new LocatorFilterOptions { HasText = "hist-run" });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("teal");
        await Expect(row).ToContainTextAsync("hana");
        await Expect(row.GetByTestId("run-exit")).Not.ToHaveTextAsync("—");
        await Expect(row.GetByTestId("run-reason")).ToHaveTextAsync("stopped");

        await ui.Field("history-image").FillAsync("busybox:latest");
        await ui.Page.GetByTestId("history-apply").ClickAsync();
        await Expect(ui.Page.GetByTestId("history-csv")).ToHaveAttributeAsync("href", "/api/v1/runs.csv?image=busybox%3Alatest");
        await Expect(row).ToHaveCountAsync(1);
        await ui.ScreenshotAsync("history");

        var csv = await ui.Page.APIRequest.GetAsync(await ui.Page.GetByTestId("history-csv").GetAttributeAsync("href") ?? "");
        Assert.Equal(200, csv.Status);
        Assert.Contains("hist-run", await csv.TextAsync(), StringComparison.Ordinal);

        await ui.Field("history-image").FillAsync("alpine:none");
        await ui.Page.GetByTestId("history-apply").ClickAsync();
        await Expect(ui.Page.GetByTestId("history-empty")).ToBeVisibleAsync();
        Assert.Empty(ui.ConsoleErrors);
    }

    [Fact]
    public async Task Admin_Audit_ShowsTheCreateAndVerifiesTheChain()
    {
        await Host.CreateUserAsync("ivan", "amber", TeamRole.Member);
        await LaunchAndStopAsync("ivan", "audit-run");
        await using var ui = await SignedInAsync("admin", HostHarness.AdminPassword);

        await ui.Page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Audit", Exact = true }).ClickAsync();
        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("Audit");
        await ui.Field("audit-actor").FillAsync("ivan");
        await ui.Field("audit-action").FillAsync("container.*");
        await ui.Page.GetByTestId("audit-apply").ClickAsync();
        var create = ui.Page.GetByTestId("audit-grid").Locator("tbody tr").Filter(new LocatorFilterOptions { HasText = "container.create" });
        await Expect(create).ToHaveCountAsync(1);
        await Expect(create).ToContainTextAsync("amber");
        await Expect(create).ToContainTextAsync("allowed");
        await Expect(ui.Page.GetByTestId("audit-csv")).ToHaveAttributeAsync("href", "/api/v1/audit.csv?actor=ivan&action=container.%2A");

        await ui.Page.GetByTestId("audit-verify").ClickAsync();
        await Expect(ui.Page.GetByTestId("audit-verification")).ToContainTextAsync(new Regex(@"Chain intact: [1-9][0-9]* entries checked\."));
        await ui.ScreenshotAsync("audit");

        var csv = await ui.Page.APIRequest.GetAsync(await ui.Page.GetByTestId("audit-csv").GetAttributeAsync("href") ?? "");
        Assert.Equal(200, csv.Status);
        Assert.Contains("container.create", await csv.TextAsync(), StringComparison.Ordinal);
        Assert.Empty(ui.ConsoleErrors);
    }

    [Fact]
    public async Task Member_OpensAudit_IsToldWhatTheServiceRefuses()
    {
        await Host.CreateUserAsync("jack", "amber", TeamRole.Member);
        await using var ui = await SignedInAsync("jack", "jack-password");

        await ui.OpenPageAsync("/audit", "Audit");
        await Expect(ui.Page.GetByTestId("audit-error")).ToContainTextAsync("may read the audit trail of no team");
        await Expect(ui.Page.GetByTestId("audit-grid")).ToHaveCountAsync(0);
        await ui.Page.GetByTestId("audit-verify").ClickAsync();
        await Expect(ui.Page.GetByTestId("audit-verify-error")).ToContainTextAsync("admins and auditors only");
        await ui.ScreenshotAsync("audit-refused");
    }

    [Fact]
    public async Task Owner_Usage_RolledUpHoursInTableAndChartForEachRangeAndGrouping()
    {
        var (kira, olive) = await Host.CreateUserAsync("kira", "olive", TeamRole.Owner);
        // An hour rolled up two days ago: the roll-up job rewrites only the hours of new samples, never this one.
        var now = DateTimeOffset.UtcNow;
        await using (var db = Host.NewDb())
        {
            db.UsageRollups.Add(new UsageRollup
            {
                ContainerId = Guid.NewGuid(), Hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddDays(-2),
                TeamId = olive, UserId = kira, CpuSeconds = 5400, MemoryByteSeconds = 2.0 * 1024 * 1024 * 1024 * 3600, ContainerSeconds = 3 * 3600,
            });
            await db.SaveChangesAsync();
        }
        await using var ui = await SignedInAsync("kira", "kira-password");

        await ui.Page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Usage", Exact = true }).ClickAsync();
        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("Usage");
        await Expect(ui.Page.GetByTestId("usage-table").Locator("thead")).ToContainTextAsync("Team");
        var row = ui.Page.GetByTestId("usage-row");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.Locator("td")).ToHaveTextAsync(["olive", "1.5", "2", "3", "0 B", "0 B"]);
        await Expect(ui.Page.GetByTestId("usage-chart").Locator("text").Filter(new LocatorFilterOptions { HasText = "olive" })).ToHaveCountAsync(1);
        await Expect(ui.Page.GetByTestId("usage-chart")).ToContainTextAsync("CPU-hours");
        await ui.ScreenshotAsync("usage");

        await ui.Page.GetByTestId("usage-by-user").ClickAsync();
        await Expect(ui.Page.GetByTestId("usage-table").Locator("thead")).ToContainTextAsync("User");
        await Expect(row.Locator("td").First).ToHaveTextAsync("kira");
        var csv = await ui.Page.APIRequest.GetAsync(await ui.Page.GetByTestId("usage-csv").GetAttributeAsync("href") ?? "");
        Assert.Equal(200, csv.Status);
        Assert.Contains("kira", await csv.TextAsync(), StringComparison.Ordinal);

        await ui.Page.GetByTestId("usage-range-24h").ClickAsync();
        await Expect(ui.Page.GetByTestId("usage-empty")).ToBeVisibleAsync();
        await Expect(ui.Page.GetByTestId("usage-csv")).ToHaveAttributeAsync("href", new Regex(@"^/api/v1/usage\.csv\?by=user&from=.+&to=.+$"));

        await ui.Page.GetByTestId("usage-range-custom").ClickAsync();
        await Expect(ui.Page.GetByTestId("usage-pick")).ToBeVisibleAsync();
        Assert.Empty(ui.ConsoleErrors);
    }
}
