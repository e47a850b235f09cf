using System.Net.Http.Json;
using System.Text.Json;
using Berth.Data.Entities;
using Berth.Host.Tests;

namespace Berth.E2E;

/// <summary>
/// A class of browser tests: each test gets a real host of its own (<see cref="HostHarness"/>: a fresh database and
/// engine roots, disposed after the test, pass or fail), and the class shares one Debian chromium.
/// </summary>
public abstract class UiTest(Browser browser) : IClassFixture<Browser>, IAsyncLifetime
{
    protected HostHarness Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await HostHarness.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();

    /// <summary>A new tab of its own (cookies apart) on the test's host, signed out.</summary>
    protected Task<UiSession> OpenAsync() => OpenAsync(Host.BaseAddress);

    /// <summary>A new tab of its own, signed out, whose pages are served from <paramref name="baseAddress"/> (a relay to the host).</summary>
    protected Task<UiSession> OpenAsync(Uri baseAddress) => UiSession.OpenAsync(browser, baseAddress);

    /// <summary>A new tab signed in as <paramref name="user"/> through the sign-in form.</summary>
    protected async Task<UiSession> SignedInAsync(string user, string password)
    {
        var ui = await OpenAsync();
        try
        {
            await ui.SignInAsync(user, password);
            return ui;
        }
        catch
        {
            await ui.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new user of <paramref name="team"/> with <paramref name="role"/> (password USER-password), signed in on a tab of their own.</summary>
    protected async Task<UiSession> SignedInAsync(string user, string team, TeamRole role)
    {
        await Host.CreateUserAsync(user, team, role);
        return await SignedInAsync(user, user + "-password");
    }

    /// <summary>Launches a busybox container named <paramref name="name"/> running <c>sleep 600</c> as <paramref name="user"/> through the API; returns its id.</summary>
    protected async Task<Guid> LaunchBusyboxAsync(string user, string name)
    {
        using var client = await Host.UserAsync(user);
        var launched = await client.PostAsJsonAsync("api/v1/containers", new { image = "busybox:latest", name, command = new[] { "sleep", "600" } });
        Assert.True(launched.IsSuccessStatusCode, await launched.Content.ReadAsStringAsync());
        return (await launched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }
}
