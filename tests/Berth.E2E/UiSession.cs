using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Berth.E2E;

/// <summary>
/// One user's browser tab on a test's host: its own context (cookies), the console errors the page logged, and
/// screenshots saved under artifacts/test-results/screenshots.
/// </summary>
public sealed partial class UiSession : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _consoleErrors = [];

    private UiSession(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        Page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (_consoleErrors) _consoleErrors.Add(message.Text);
        };
        Page.PageError += (_, error) =>
        {
            lock (_consoleErrors) _consoleErrors.Add(error);
        };
    }

    public IPage Page { get; }

    /// <summary>What the page logged as errors so far.</summary>
    public IReadOnlyList<string> ConsoleErrors
    {
        get { lock (_consoleErrors) return _consoleErrors.ToList(); }
    }

    public static async Task<UiSession> OpenAsync(Browser browser, Uri baseAddress)
    {
        ArgumentNullException.ThrowIfNull(browser);
        var context = await browser.Chromium.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1366, Height = 860 },
        });
        return new UiSession(context, await context.NewPageAsync());
    }

    /// <summary>Signs in through the sign-in form and waits for the dashboard.</summary>
    public async Task SignInAsync(string username, string password)
    {
        await Page.GotoAsync("/login");
        await Page.FillAsync("input[name=username]", username);
        await Page.FillAsync("input[name=password]", password);
        await Page.ClickAsync("button[type=submit]");
        await Assertions.Expect(Page.Locator("#page-title")).ToHaveTextAsync("Dashboard");
    }

    /// <summary>Goes to <paramref name="path"/> and waits until the (interactive) page shows <paramref name="title"/>.</summary>
    public async Task OpenPageAsync(string path, string title)
    {
        await Page.GotoAsync(path);
        await Assertions.Expect(Page.Locator("#page-title")).ToHaveTextAsync(title);
    }

    /// <summary>The input (or text area) of the form field marked <paramref name="testId"/>, wherever MudBlazor puts the mark.</summary>
    public ILocator Field(string testId)
        => Page.Locator($"[data-testid={testId}] input, input[data-testid={testId}], [data-testid={testId}] textarea, textarea[data-testid={testId}]").First;

    public async Task ScreenshotAsync(string name)
    {
        var dir = Path.Combine(RepositoryRoot(), "artifacts", "test-results", "screenshots");
        Directory.CreateDirectory(dir);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(dir, SafeName().Replace(name, "-") + ".png"), FullPage = true });
    }

    /// <summary>
    /// Clicks <paramref name="button"/> until <paramref name="shows"/> is visible, at most three times. A click that
    /// reaches the circuit while the page is re-rendering names the button's previous event handler, and Blazor drops
    /// it; a user would click again, and so does this.
    /// </summary>
    public async Task ClickUntilVisibleAsync(ILocator button, ILocator shows)
    {
        ArgumentNullException.ThrowIfNull(button);
        ArgumentNullException.ThrowIfNull(shows);
        for (var attempt = 1; ; attempt++)
        {
            await button.ClickAsync();
            try
            {
                await Assertions.Expect(shows).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 5_000 });
                return;
            }
            catch (PlaywrightException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>
    /// Presses Tab until <paramref name="target"/> has the focus, at most <paramref name="presses"/> times; fails
    /// naming what got the focus on the way.
    /// </summary>
    public async Task TabToAsync(ILocator target, int presses = 40)
    {
        ArgumentNullException.ThrowIfNull(target);
        await Assertions.Expect(target).ToBeAttachedAsync();
        var passed = new List<string>();
        for (var i = 0; i < presses; i++)
        {
            await Page.Keyboard.PressAsync("Tab");
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement")) return;
            passed.Add(await Page.EvaluateAsync<string>("() => { const e = document.activeElement; return e.tagName + ' ' + (e.getAttribute('aria-label') ?? e.innerText ?? '').trim().slice(0, 30); }"));
        }
        Assert.Fail($"{presses} presses of Tab never reached {target}; the focus went to: {string.Join(" | ", passed)}");
    }

    /// <summary>Clicks <paramref name="button"/> in the open confirmation dialog.</summary>
    public async Task ConfirmAsync(string button)
        => await Page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = button, Exact = true }).ClickAsync();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Web.sln"))) return dir.FullName;
        }
        return Path.GetTempPath();
    }

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex SafeName();

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
