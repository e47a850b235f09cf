using Berth.Data.Entities;
using Berth.Host.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Berth.E2E;

/// <summary>
/// Every main page, as an admin sees it with a running container: it fits a laptop's screen, and the browser logs no
/// error on the way.
/// </summary>
public sealed class MainPagesTests(Browser browser) : UiTest(browser)
{
    /// <summary>
    /// What reaches past the window's right edge: the page's own width, then each element of the main content that
    /// sticks out, unless a box of its own scrolls it sideways (a wide grid keeps its scroll bar to itself).
    /// </summary>
    private const string Overflow = """
        () => {
          const root = document.documentElement, edge = root.clientWidth + 1, found = [];
          if (root.scrollWidth > edge) found.push(`the page is ${root.scrollWidth} px wide in a window of ${root.clientWidth}`);
          const scrolled = e => {
            for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
              const x = getComputedStyle(p).overflowX;
              if (x === 'auto' || x === 'scroll') return true;
            }
            return false;
          };
          for (const e of document.querySelectorAll('.mud-main-content *')) {
            const right = e.getBoundingClientRect().right;
            if (right > edge && !scrolled(e)) found.push(`<${e.tagName.toLowerCase()} class="${e.className}"> ends at ${Math.round(right)} px`);
          }
          return found.slice(0, 5);
        }
        """;

    /// <summary>A main page: a short name, its address, its title, and a part marked <c>data-testid</c> that shows <c>Text</c> once its data came.</summary>
    private sealed record MainPage(string Name, string Path, string Title, string TestId, string Text);

    /// <summary>The pages of the navigation and the user menu, and the page of container <paramref name="name"/>.</summary>
    private static MainPage[] MainPages(Guid id, string name) =>
    [
        new("dashboard", "/", "Dashboard", "recent-events", name),
        new("containers", "/containers", "Containers", "containers-grid", name),
        new("launch", "/launch", "Launch a container", "launch-quota", "Team quota left"),
        new("container", $"/containers/{id}", name, "stats-now", "CPU"),
        new("images", "/images", "Images", "images-grid", "busybox:latest"),
        new("templates", "/templates", "Templates", "templates-empty", "No templates yet"),
        new("history", "/history", "History", "history-grid", name),
        new("usage", "/usage", "Usage", "usage-period", "–"),
        new("audit", "/audit", "Audit", "audit-grid", "container.create"),
        new("admin", "/admin", "Admin", "users-table", "lena"),
        new("tokens", "/tokens", "API tokens", "tokens-empty", "no API tokens"),
    ];

    /// <summary>Opens <paramref name="page"/> by its address and waits until its data shows.</summary>
    private static async Task OpenAsync(UiSession ui, MainPage page)
    {
        await ui.OpenPageAsync(page.Path, page.Title);
        await Expect(ui.Page.GetByTestId(page.TestId)).ToContainTextAsync(page.Text);
    }

    [Theory]
    [InlineData(1280, 720)]
    [InlineData(1366, 768)]
    public async Task EveryMainPage_OnALaptopScreen_FitsTheWidthWithItsTitleInView(int width, int height)
    {
        await Host.CreateUserAsync("lena", "blue", TeamRole.Member);
        // The longest name the control plane takes, with nowhere to break a line.
        var name = "laptop" + new string('x', 57);
        var id = await LaunchBusyboxAsync("lena", name);
        await using var ui = await SignedInAsync("admin", HostHarness.AdminPassword);
        await ui.Page.SetViewportSizeAsync(width, height);

        foreach (var page in MainPages(id, name))
        {
            await OpenAsync(ui, page);
            await Expect(ui.Page.Locator("#page-title")).ToBeInViewportAsync();
            var overflow = await ui.Page.EvaluateAsync<string[]>(Overflow);
            Assert.True(overflow.Length == 0, $"{page.Path} at {width}x{height}: {string.Join("; ", overflow)}");
            await ui.ScreenshotAsync($"laptop-{width}x{height}-{page.Name}");
        }
    }

    [Fact]
    public async Task EveryMainPage_VisitedAsAdmin_BrowserLogsNoError()
    {
        await Host.CreateUserAsync("lena", "blue", TeamRole.Member);
        var id = await LaunchBusyboxAsync("lena", "e2e-console");
        await using var ui = await SignedInAsync("admin", HostHarness.AdminPassword);

        foreach (var page in MainPages(id, "e2e-console"))
        {
            // By address (a new circuit), then, where the navigation links it, from the previous page by its link
            // (the same circuit: the previous page is disposed with its live streams).
            await OpenAsync(ui, page);
            var link = ui.Page.Locator($".mud-nav-link[href='{page.Path}']");
            if (page.Path != "/" && await link.CountAsync() == 1)
            {
                await ui.Page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "Dashboard", Exact = true }).ClickAsync();
                await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync("Dashboard");
                await link.ClickAsync();
                await Expect(ui.Page.Locator("#page-title")).ToHaveTextAsync(page.Title);
                await Expect(ui.Page.GetByTestId(page.TestId)).ToContainTextAsync(page.Text);
            }
        }
        Assert.Empty(ui.ConsoleErrors);
    }
}
