using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Berth.ControlPlane.Identity;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Engine;
using Berth.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Berth.Host.Tests;

/// <summary>
/// One test's control plane: a fresh database (migrated), a private engine data root and runtime root with the
/// busybox image loaded, and the real host on a loopback port. The host can be stopped and started again over the
/// same database and roots. Dispose stops the host, removes every container it made (killing running ones) and every
/// network, and deletes the roots and the database.
/// </summary>
public sealed class HostHarness : IAsyncDisposable
{
    public const string AdminPassword = "admin-password-1";

    private readonly Dictionary<string, string?> _settings;
    private readonly BerthCli _cli = new();
    private readonly HostErrors _errors = new();

    private HostHarness(TestDatabase database, Dictionary<string, string?> settings)
    {
        Database = database;
        DataRoot = TestPaths.NewDirectory("cp-data");
        HostDirectory = TestPaths.NewDirectory("cp-host");
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Berth"] = database.ConnectionString,
            ["Berth:NodeName"] = "test-node",
            ["Berth:DataDirectory"] = HostDirectory,
            ["Berth:Engine:DataRoot"] = DataRoot,
            ["Berth:Engine:RuntimeRoot"] = _cli.Root,
            ["Berth:Engine:BerthPath"] = _cli.BinaryPath,
            ["BERTH_ADMIN_PASSWORD"] = AdminPassword,
            ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("BERTH_TEST_LOG") ?? "Warning",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Error",
        };
        foreach (var (k, v) in settings) _settings[k] = v;
    }

    public TestDatabase Database { get; }

    public string DataRoot { get; }

    public string HostDirectory { get; }

    public WebApplication? App { get; private set; }

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The engine over the host's roots, to see what the host did on the node.</summary>
    public ContainerEngine Engine => new(new EngineOptions { DataRoot = DataRoot, RuntimeRoot = _cli.Root, BerthPath = _cli.BinaryPath });

    /// <summary>Starts a host over a new database (on <paramref name="server"/>, default the shared one), with extra settings.</summary>
    public static async Task<HostHarness> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, PostgresServer? server = null)
    {
        var db = await TestDatabase.CreateAsync(server);
        var harness = new HostHarness(db, new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()));
        try
        {
            await BerthHost.MigrateAsync(db.ConnectionString, CancellationToken.None);
            var load = await harness._cli.RunAsync(["--data-root", harness.DataRoot, "image", "load", "-q", "-i", BusyboxImage.ArchivePath]);
            Assert.True(load.Succeeded, load.ToString());
            await harness.StartHostAsync();
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the host (again) over the same database and roots.</summary>
    public async Task StartHostAsync()
    {
        if (App is not null) throw new InvalidOperationException("the host is running");
        var app = BerthHost.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(_settings);
            b.WebHost.UseUrls("http://127.0.0.1:0");
            b.Logging.AddProvider(_errors);
        });
        await app.StartAsync();
        App = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        _errors.Register(BaseAddress.Port);
    }

    /// <summary>Stops the host as a crash would leave things: containers keep running under their shims.</summary>
    public async Task StopHostAsync()
    {
        if (App is null) return;
        _errors.Unregister(BaseAddress.Port);
        await App.StopAsync();
        await App.DisposeAsync();
        App = null;
    }

    /// <summary>
    /// Runs <paramref name="work"/> with the services of a host that is built but not started (while the host is
    /// stopped): jobs can be run by hand with no background worker (event ingestor, supervisor) going meanwhile.
    /// </summary>
    public async Task WithServicesAsync(Func<IServiceProvider, Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (App is not null) throw new InvalidOperationException("the host is running");
        await using var app = BerthHost.Build([], b => b.Configuration.AddInMemoryCollection(_settings));
        await work(app.Services);
    }

    public HttpClient Anonymous() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>A client signed in as <paramref name="username"/> with an API token.</summary>
    public async Task<HttpClient> ClientAsync(string username, string password)
    {
        using var anon = Anonymous();
        var response = await anon.PostAsJsonAsync("api/v1/auth/token", new { username, password });
        Assert.True(response.IsSuccessStatusCode, $"sign-in of {username}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public Task<HttpClient> AdminAsync() => ClientAsync("admin", AdminPassword);

    public BerthDbContext NewDb()
    {
        var options = new DbContextOptionsBuilder<BerthDbContext>();
        options.UseBerthPostgres(Database.ConnectionString);
        return new BerthDbContext(options.Options);
    }

    /// <summary>Creates a user (password "<paramref name="username"/>-password") with a role in team <paramref name="team"/> (made when missing).</summary>
    public async Task<(Guid UserId, Guid TeamId)> CreateUserAsync(string username, string team, TeamRole role, GlobalRole global = GlobalRole.None)
    {
        await using var db = NewDb();
        var t = await db.Teams.FirstOrDefaultAsync(x => x.Name == team);
        if (t is null)
        {
            t = new Team { Name = team };
            db.Teams.Add(t);
        }
        var user = new User { Username = username, PasswordHash = Passwords.Hash(username + "-password"), Role = global };
        db.Users.Add(user);
        db.Memberships.Add(new Membership { TeamId = t.Id, UserId = user.Id, Role = role });
        await db.SaveChangesAsync();
        return (user.Id, t.Id);
    }

    public Task<HttpClient> UserAsync(string username) => ClientAsync(username, username + "-password");

    /// <summary>Polls until <paramref name="condition"/> holds; fails after <paramref name="seconds"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, double seconds = 15)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed.TotalSeconds > seconds) Assert.Fail($"timed out after {seconds} s waiting for {what}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        var failures = new List<string>();
        try
        {
            await StopHostAsync();
        }
        catch (Exception e)
        {
            failures.Add("host stop: " + e.Message);
        }
        try
        {
            var engine = Engine;
            foreach (var c in engine.List(all: true))
            {
                try { engine.Remove(c.Id, force: true); }
                catch (EngineException e) when (engine.Containers.TryFind(c.Id) is null) { _ = e; }
                catch (EngineException e) { failures.Add($"rm -f {c.Name}: {e.Message}"); }
            }
            // The teams' networks (bridges, leases, the data root's nftables table) go too, whether or not the test removed them.
            foreach (var n in engine.Networks.List())
            {
                try { engine.Networks.Remove(n.Name, engine.IsLive); }
                catch (Berth.Networking.NetworkException e) { failures.Add($"network rm {n.Name}: {e.Message}"); }
            }
        }
        finally
        {
            _cli.Dispose();
            TestPaths.DeleteDirectory(DataRoot);
            TestPaths.DeleteDirectory(HostDirectory);
            await Database.DisposeAsync();
        }
        if (failures.Count > 0) throw new InvalidOperationException("control plane cleanup: " + string.Join('\n', failures));
    }
}
