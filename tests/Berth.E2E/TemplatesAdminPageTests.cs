using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Berth.Data.Entities;
using Berth.Host.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Berth.E2E;

/// <summary>The Templates and Admin pages in Debian's chromium against a real host, database and engine.</summary>
public sealed class TemplatesAdminPageTests(Browser browser) : UiTest(browser)
{
    private async Task OpenTabAsync(UiSession ui, string name)
        => await ui.Page.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = name }).ClickAsync();

    [Fact]
    public async Task Member_CreatesTemplateAndLaunchesFromIt_ContainerRunsItsCommand()
    {
        await Host.CreateUserAsync("tina", "teal", TeamRole.Member);
        await using var ui = await SignedInAsync("tina", "tina-password");

        await ui.OpenPageAsync("/templates", "Templates");
        await Expect(ui.Page.GetByTestId("templates-empty")).ToContainTextAsync("No templates yet");
        await ui.Page.GetByTestId("template-new").ClickAsync();
        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("New template");
        await ui.Field("template-name").FillAsync("e2e-tpl");
        await ui.Field("template-description").FillAsync("prints and waits");
        await ui.Field("def-command").FillAsync("sh -c 'echo from-template; sleep 600'");
        await ui.Field("def-cpus").FillAsync("0.2");
        await ui.ScreenshotAsync("template-editor");
        await ui.Page.GetByTestId("template-save").ClickAsync();

        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("Templates");
        await Expect(ui.Page.GetByTestId("templates-table")).ToContainTextAsync("e2e-tpl");
        await Expect(ui.Page.GetByTestId("templates-table")).ToContainTextAsync("teal");
        await ui.ScreenshotAsync("templates");

        await ui.Page.GetByTestId("template-launch").ClickAsync();
        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("Launch a container");
        await Expect(ui.Page.GetByTestId("launch-template")).ToContainTextAsync("e2e-tpl");
        await Expect(ui.Field("launch-command")).ToHaveValueAsync("sh -c 'echo from-template; sleep 600'");
        await Expect(ui.Field("launch-cpus")).ToHaveValueAsync("0.2");
        await ui.Field("launch-name").FillAsync("e2e-from-tpl");
        await ui.ScreenshotAsync("launch-from-template");
        await ui.Page.GetByTestId("launch-submit").ClickAsync();

        await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("e2e-from-tpl");
        await Expect(ui.Page).ToHaveURLAsync(new Regex("/containers/[0-9a-f-]{36}$"));
        await Expect(ui.Page.GetByTestId("container-state")).ToHaveTextAsync("running");
        await ui.Page.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = "Logs" }).ClickAsync();
        await Expect(ui.Page.GetByTestId("log-lines")).ToContainTextAsync("from-template");

        // The container records the template it came from.
        using var tina = await Host.UserAsync("tina");
        var containers = await tina.GetFromJsonAsync<JsonElement>("api/v1/containers");
        var launched = containers.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "e2e-from-tpl");
        Assert.Equal(JsonValueKind.String, launched.GetProperty("templateId").ValueKind);
        Assert.Empty(ui.ConsoleErrors);
    }

    [Fact]
    public async Task Admin_CreatesUserTeamMemberAndQuota_NewUserSeesTheQuotaOnLaunch()
    {
        await using var admin = await SignedInAsync("admin", HostHarness.AdminPassword);
        await Expect(admin.Page.GetByTestId("nav-admin")).ToBeVisibleAsync();
        await admin.OpenPageAsync("/admin", "Admin");

        await admin.Field("user-name").FillAsync("quinn");
        await admin.Field("user-password").FillAsync("quinn-password-1");
        await admin.Page.GetByTestId("user-create").ClickAsync();
        await Expect(admin.Page.GetByTestId("users-table")).ToContainTextAsync("quinn");
        await admin.ScreenshotAsync("admin-users");

        await OpenTabAsync(admin, "Teams");
        await admin.Field("team-name").FillAsync("indigo");
        await admin.Page.GetByTestId("team-create").ClickAsync();
        await Expect(admin.Page.GetByTestId("members")).ToContainTextAsync("Members of indigo");
        await admin.Field("member-name").FillAsync("quinn");
        await admin.Page.GetByTestId("member-add").ClickAsync();
        await Expect(admin.Page.GetByTestId("members-table")).ToContainTextAsync("quinn");
        await Expect(admin.Page.GetByTestId("teams-table")).ToContainTextAsync("indigo");
        await admin.ScreenshotAsync("admin-teams");

        await OpenTabAsync(admin, "Quotas");
        await admin.Page.GetByTestId("quota-team").ClickAsync();
        await admin.Page.Locator(".mud-popover-open").GetByText("indigo", new LocatorGetByTextOptions { Exact = true }).ClickAsync();
        await Expect(admin.Page.GetByTestId("quota-used")).ToContainTextAsync("(unlimited)");
        await admin.Field("quota-containers").FillAsync("3");
        await admin.Field("quota-memory").FillAsync("512");
        await admin.Page.GetByTestId("quota-save").ClickAsync();
        await Expect(admin.Page.GetByTestId("quota-used")).ToContainTextAsync("0 / 3");
        await Expect(admin.Page.GetByTestId("quota-used")).ToContainTextAsync("512 MiB");
        await admin.ScreenshotAsync("admin-quotas");

        await OpenTabAsync(admin, "Nodes");
        await Expect(admin.Page.GetByTestId("node-state").First).ToHaveTextAsync("alive");
        await admin.ScreenshotAsync("admin-nodes");
        Assert.Empty(admin.ConsoleErrors);

        await using var quinn = await SignedInAsync("quinn", "quinn-password-1");
        await quinn.OpenPageAsync("/launch", "Launch a container");
        await Expect(quinn.Page.GetByTestId("launch-quota")).ToContainTextAsync("0 / 3");
        await Expect(quinn.Page.GetByTestId("launch-quota")).ToContainTextAsync("0 B / 512 MiB");
        await Expect(quinn.Page.GetByTestId("nav-admin")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task NonAdmin_OpensAdmin_IsRefusedAndSeesNoData()
    {
        await Host.CreateUserAsync("otto", "olive", TeamRole.Owner);
        await using var ui = await SignedInAsync("otto", "otto-password");
        await Expect(ui.Page.GetByTestId("nav-admin")).ToHaveCountAsync(0);

        await ui.OpenPageAsync("/admin", "Admin");

        await Expect(ui.Page.GetByTestId("admin-refused")).ToContainTextAsync("This page is for admins");
        await Expect(ui.Page.GetByTestId("admin-tabs")).ToHaveCountAsync(0);
        await Expect(ui.Page.GetByText("admin", new PageGetByTextOptions { Exact = true })).ToHaveCountAsync(0);
        await ui.ScreenshotAsync("admin-refused");
    }
}
