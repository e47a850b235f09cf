using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Berth.Data.Entities;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Tests;

/// <summary>
/// Teams' networks through the API against the real kernel and Debian's CNI plugins: names between a team's
/// containers, a published port on 127.0.0.1, isolation between teams, admission of host ports, and that nothing of a
/// removed container is left (links, rules, leases). One class, so that its tests run one after another: each has
/// its own data root, whose networks take subnets from the engine's allocator, which sees another data root's
/// networks only once their bridges have addresses. Traffic stays between the host's loopback and the tests' own
/// containers.
/// </summary>
public sealed class TeamNetworkTests : HostTest
{
    private const string ServeScript = "mkdir -p /www && echo \"served by $(hostname)\" > /www/index.html && exec httpd -f -p 8080 -h /www";

    private static object Server(string name, string team, params string[] ports)
        => new { image = "busybox", name, team, network = "team", ports, command = new[] { "sh", "-c", ServeScript } };

    /// <summary>A container that fetches <paramref name="url"/> (retrying while the server starts when <paramref name="retry"/>) and exits with wget's status.</summary>
    private static object Fetcher(string name, string team, string url, bool retry)
        => new
        {
            image = "busybox", name, team, network = "team",
            command = new[]
            {
                "sh", "-c",
                // busybox's timeout, not wget's -T (which makes this busybox's wget crash); never the shell's last command,
                // which the shell would exec: busybox's timeout runs the program in its own process, which as the
                // container's pid 1 would ignore the SIGTERM.
                retry ? $"for i in $(seq 1 50); do timeout 2 wget -q -O - {url} && exit 0; sleep 0.2; done; exit 1" : $"timeout 3 wget -q -O - {url}; exit $?",
            },
        };

    /// <summary>Launches <paramref name="body"/> and waits for its program to end; returns its exit code and output.</summary>
    private static async Task<(int ExitCode, string Output)> RunToEndAsync(HttpClient client, object body)
    {
        var id = (await client.Launch(body)).Str("id");
        JsonElement c = default;
        await HostHarness.WaitUntilAsync(async () => (c = await client.Get($"api/v1/containers/{id}")).Str("state") is "stopped" or "failed", "the container to end", 30);
        var output = await client.GetStringAsync($"api/v1/containers/{id}/logs");
        Assert.True(c.GetProperty("exitCode").ValueKind == JsonValueKind.Number, $"no exit code: {c}");
        return (c.GetProperty("exitCode").GetInt32(), output);
    }

    /// <summary>A new member of <paramref name="team"/> (made when missing), signed in.</summary>
    private async Task<HttpClient> MemberAsync(string user, string team)
    {
        await Host.CreateUserAsync(user, team, TeamRole.Member);
        return await Host.UserAsync(user);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private string NetworksDir => Path.Combine(Host.DataRoot, "networks");

    private string RulesTable => "berth_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(NetworksDir)))[..8];

    private List<string> Leases(string network)
    {
        var dir = Path.Combine(NetworksDir, "ipam", network);
        return Directory.Exists(dir) ? Directory.GetFiles(dir).Select(Path.GetFileName).OfType<string>().Where(f => char.IsDigit(f[0])).ToList() : [];
    }

    private List<string> Attachments()
    {
        var dir = Path.Combine(NetworksDir, "attachments");
        return Directory.Exists(dir) ? Directory.GetFiles(dir).ToList() : [];
    }

    /// <summary>The host ends of the veths on <paramref name="bridge"/>.</summary>
    private static List<string> BridgePorts(string bridge)
    {
        var dir = $"/sys/class/net/{bridge}/brif";
        return Directory.Exists(dir) ? Directory.GetFileSystemEntries(dir).ToList() : [];
    }

    private static string Rules() => Tool.Run("iptables-save") + Tool.Run("nft", "list", "ruleset");

    private async Task<int> ContainerRowsAsync()
    {
        await using var db = Host.NewDb();
        return await db.Containers.CountAsync();
    }

    [RequiresRootFact]
    public async Task Launch_TwoContainersOfATeam_ReachEachOtherByNameAndLeaveNothingOnceRemoved()
    {
        using var alice = await MemberAsync("alice", "web");

        var server = await alice.Launch(Server("server", "web"));
        var (exit, output) = await RunToEndAsync(alice, Fetcher("client", "web", "http://server:8080/index.html", retry: true));

        Assert.Equal(0, exit);
        Assert.Contains("served by server", output, StringComparison.Ordinal);
        Assert.Equal(("team", "running"), (server.Str("network"), server.Str("state")));
        var ip = server.Str("ipAddress");
        var networks = await alice.Get("api/v1/networks");
        var network = Assert.Single(networks.EnumerateArray());
        Assert.Equal(("web", "test-node"), (network.Str("team"), network.Str("node")));
        Assert.StartsWith("10.213.", network.Str("subnet"), StringComparison.Ordinal);
        Assert.True(IPNetworkContains(network.Str("subnet"), ip), $"{ip} is not in {network.Str("subnet")}");
        var attached = Assert.Single(network.GetProperty("containers").EnumerateArray());
        Assert.Equal(("server", ip), (attached.Str("name"), attached.Str("ipAddress")));
        var name = network.Str("name");
        var bridge = network.Str("bridge");
        var engineId = server.Str("engineId");
        var audited = await Host.AuditAsync(a => a.Action == "network.create" && a.Actor == "system" && a.Outcome == "allowed");
        Assert.Contains(name, Assert.Single(audited).Detail, StringComparison.Ordinal);

        foreach (var c in (await alice.Get("api/v1/containers")).EnumerateArray())
            Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/v1/containers/{c.Str("id")}")).StatusCode);

        var rules = Rules();
        Assert.Empty(BridgePorts(bridge));
        Assert.Empty(Leases(name));
        Assert.Empty(Attachments());
        Assert.DoesNotContain(engineId, rules, StringComparison.Ordinal);
        Assert.DoesNotContain(ip + "/", rules, StringComparison.Ordinal);
        // The network stays with its team, and goes with it.
        Assert.NotNull(Host.Engine.Networks.TryFind(name));
        using var admin = await Host.AdminAsync();
        var team = (await admin.Get("api/v1/teams")).EnumerateArray().Single(t => t.Str("name") == "web").Str("id");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/v1/teams/{team}")).StatusCode);
        await HostHarness.WaitUntilAsync(() => Task.FromResult(Host.Engine.Networks.TryFind(name) is null), "the team's network to be removed from the node");
        Assert.DoesNotContain(bridge, Tool.Run("ip", "-o", "link"), StringComparison.Ordinal);
        Assert.DoesNotContain(RulesTable, Rules(), StringComparison.Ordinal);
        await using var db = Host.NewDb();
        Assert.False(await db.TeamNetworks.AnyAsync());
    }

    [RequiresRootFact]
    public async Task Launch_PublishedPort_AnswersOnLoopbackFromTheHost()
    {
        using var alice = await MemberAsync("alice", "web");
        var port = FreePort();

        var server = await alice.Launch(Server("pub", "web", $"{port}:8080"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var body = "";
        await HostHarness.WaitUntilAsync(async () =>
        {
            try { body = await http.GetStringAsync($"http://127.0.0.1:{port}/index.html"); }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            return body.Length > 0;
        }, "the published port to answer");

        Assert.Equal("served by pub\n", body);
        Assert.Equal([$"{port}:8080"], server.GetProperty("ports").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"api/v1/containers/{server.Str("id")}")).StatusCode);
        Assert.DoesNotContain($"dport {port}", Rules(), StringComparison.Ordinal);
        Assert.Empty(Attachments());
    }

    [RequiresRootFact]
    public async Task Launch_TwoTeams_EachReachesItsOwnAndNotTheOthers()
    {
        using var red = await MemberAsync("red-member", "red");
        using var blue = await MemberAsync("blue-member", "blue");
        var redIp = (await red.Launch(Server("red-server", "red"))).Str("ipAddress");
        var blueIp = (await blue.Launch(Server("blue-server", "blue"))).Str("ipAddress");

        var redToRed = await RunToEndAsync(red, Fetcher("red-own", "red", $"http://{redIp}:8080/index.html", retry: true));
        var blueToBlue = await RunToEndAsync(blue, Fetcher("blue-own", "blue", $"http://blue-server:8080/index.html", retry: true));
        var redToBlue = await RunToEndAsync(red, Fetcher("red-other", "red", $"http://{blueIp}:8080/index.html", retry: false));
        var blueToRed = await RunToEndAsync(blue, Fetcher("blue-other", "blue", $"http://{redIp}:8080/index.html", retry: false));

        Assert.Equal((0, "served by red-server\n"), redToRed);
        Assert.Equal((0, "served by blue-server\n"), blueToBlue);
        Assert.NotEqual(0, redToBlue.ExitCode);
        Assert.NotEqual(0, blueToRed.ExitCode);
        Assert.DoesNotContain("served by", redToBlue.Output + blueToRed.Output, StringComparison.Ordinal);
        var redNetworks = (await red.Get("api/v1/networks")).EnumerateArray().ToList();
        Assert.Equal(["red"], redNetworks.Select(n => n.Str("team")));
        using var admin = await Host.AdminAsync();
        var all = (await admin.Get("api/v1/networks")).EnumerateArray().ToList();
        Assert.Equal(["blue", "red"], all.Select(n => n.Str("team")));
        Assert.NotEqual(all[0].Str("subnet"), all[1].Str("subnet"));
    }

    [RequiresRootFact]
    public async Task Launch_BadNetworkOrPorts_RefusedWithNothingWritten()
    {
        using var alice = await MemberAsync("alice", "web");
        var before = await Host.AuditHeadAsync();
        (object Body, string Detail)[] invalid =
        [
            (new { image = "busybox", team = "web", ports = new[] { "8080:80" } }, "ports need network team"),
            (new { image = "busybox", team = "web", network = "none", ports = new[] { "8080:80" } }, "ports need network team"),
            (new { image = "busybox", team = "web", network = "bridge" }, "network \"bridge\" is not valid"),
            (new { image = "busybox", team = "web", network = "team", ports = new[] { "x:80" } }, "ports[0] \"x:80\" is not valid: host port \"x\""),
            (new { image = "busybox", team = "web", network = "team", ports = new[] { "8080:80", "8081:70000" } }, "ports[1] \"8081:70000\" is not valid: container port"),
            (new { image = "busybox", team = "web", network = "team", ports = new[] { "8080:80/sctp" } }, "unknown protocol \"sctp\""),
            (new { image = "busybox", team = "web", network = "team", ports = new[] { "10.0.0:8080:80" } }, "is not an IPv4 address"),
            (new { image = "busybox", team = "web", network = "team", ports = new[] { "80" } }, "a host port is needed"),
            (new { image = "busybox", team = "web", network = "team", ports = new[] { "8080:80", "0.0.0.0:8080:81" } }, "ports[1] \"0.0.0.0:8080:81\": host port 0.0.0.0:8080/tcp is already given"),
        ];
        foreach (var (body, detail) in invalid)
            Assert.Contains(detail, await (await alice.PostAsJsonAsync("api/v1/containers", body)).Problem(HttpStatusCode.BadRequest), StringComparison.Ordinal);
        // Ports are strings only: an object is a malformed body.
        var asObject = """{"image":"busybox","team":"web","network":"team","ports":[{"hostPort":8080,"containerPort":80}]}""";
        await (await alice.SendRaw(HttpMethod.Post, "api/v1/containers", asObject)).Problem(HttpStatusCode.BadRequest);
        var template = new { team = "web", name = "bad", image = "busybox", network = "host", ports = new[] { "8080:80" } };
        Assert.Contains("ports need network team", await (await alice.PostAsJsonAsync("api/v1/templates", template)).Problem(HttpStatusCode.BadRequest), StringComparison.Ordinal);

        var hostNetwork = await (await alice.PostAsJsonAsync("api/v1/containers", new { image = "busybox", team = "web", network = "host" })).Problem(HttpStatusCode.Forbidden);
        await (await alice.PostAsJsonAsync("api/v1/templates", new { team = "web", name = "hostly", image = "busybox", network = "host" })).Problem(HttpStatusCode.Forbidden);

        Assert.NotEmpty(hostNetwork);
        Assert.Equal(0, await ContainerRowsAsync());
        await Host.AssertDeniedAsync("alice", "container.network-host", before);
        await Host.AssertDeniedAsync("alice", "template.network-host", before);
        Assert.Empty(await Host.AuditAsync(a => a.Id > before && a.Outcome == "allowed" && (a.Action == "container.create" || a.Action == "template.create")));
        await using var db = Host.NewDb();
        Assert.False(await db.Templates.AnyAsync());
        Assert.Empty(Host.Engine.Networks.List());
    }

    [RequiresRootFact]
    public async Task Launch_HostNetworkByAnAdmin_SharesTheHostsNetwork()
    {
        using var admin = await Host.AdminAsync();
        await Host.CreateUserAsync("alice", "web", TeamRole.Member);

        var (exit, output) = await RunToEndAsync(admin, new { image = "busybox", team = "web", network = "host", command = new[] { "cat", "/proc/net/dev" } });

        Assert.Equal(0, exit);
        // The host's own interfaces, not only the loopback of a namespace of its own (the links tests come and go are left out).
        Assert.Equal(Interfaces(File.ReadAllText("/proc/net/dev")), Interfaces(output));
        Assert.NotEqual(["lo"], Interfaces(output));
        static List<string> Interfaces(string text) => text.Split('\n').Where(l => l.Contains(':', StringComparison.Ordinal))
            .Select(l => l.Split(':')[0].Trim()).Where(n => !n.StartsWith("veth", StringComparison.Ordinal) && !n.StartsWith("berth", StringComparison.Ordinal)).Order().ToList();
    }

    [RequiresRootFact]
    public async Task Launch_HostPortPublishedByAnotherContainer_ConflictNamingItWithNothingWritten()
    {
        using var alice = await MemberAsync("alice", "web");
        using var bob = await MemberAsync("bob", "other");
        var port = FreePort();
        var holder = await alice.Launch(Server("holder", "web", $"{port}:8080"));
        var stopped = await alice.Launch(new { image = "busybox", name = "later", team = "web", network = "team", ports = new[] { $"127.0.0.1:{port}:80" }, start = false });
        var before = await Host.AuditHeadAsync();
        var rows = await ContainerRowsAsync();

        var sameTeam = await (await alice.PostAsJsonAsync("api/v1/containers", Server("second", "web", $"{port}:9090"))).Problem(HttpStatusCode.Conflict);
        var otherTeam = await (await bob.PostAsJsonAsync("api/v1/containers", Server("third", "other", $"0.0.0.0:{port}:8080"))).Problem(HttpStatusCode.Conflict);
        var start = await (await alice.PostAsync($"api/v1/containers/{stopped.Str("id")}/start", null)).Problem(HttpStatusCode.Conflict);

        Assert.Equal($"ports: host port 127.0.0.1:{port}/tcp is already published by container holder (127.0.0.1:{port}:8080/tcp) on node test-node", sameTeam);
        Assert.Equal($"ports: host port 0.0.0.0:{port}/tcp is already published by a container of another team (127.0.0.1:{port}:8080/tcp) on node test-node", otherTeam);
        Assert.Contains($"host port 127.0.0.1:{port}/tcp is already published by container holder", start, StringComparison.Ordinal);
        Assert.Equal(rows, await ContainerRowsAsync());
        Assert.Empty(await Host.AuditAsync(a => a.Id > before && a.Outcome == "allowed"));
        Assert.Equal("created", (await alice.Get($"api/v1/containers/{stopped.Str("id")}")).Str("state"));
        // Another protocol is another port; the holder was left running.
        var udp = await alice.Launch(Server("udp", "web", $"{port}:8080/udp"));
        Assert.Equal("running", udp.Str("state"));
        Assert.Equal("running", (await alice.Get($"api/v1/containers/{holder.Str("id")}")).Str("state"));
    }

    [RequiresRootFact]
    public async Task Launch_TwoAtOnceForOneHostPort_ExactlyOneIsAdmitted()
    {
        using var alice = await MemberAsync("alice", "web");
        var port = FreePort();

        var answers = await Task.WhenAll(
            alice.PostAsJsonAsync("api/v1/containers", Server("first", "web", $"{port}:8080")),
            alice.PostAsJsonAsync("api/v1/containers", Server("second", "web", $"{port}:8080")));

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Conflict], answers.Select(a => a.StatusCode).Order());
        var winner = await answers.Single(a => a.StatusCode == HttpStatusCode.Created).Json(HttpStatusCode.Created);
        Assert.Equal("running", winner.Str("state"));
        await using var db = Host.NewDb();
        Assert.Equal([winner.Str("name")], await db.Containers.Select(c => c.Name).ToListAsync());
    }

    private static bool IPNetworkContains(string cidr, string ip) => System.Net.IPNetwork.Parse(cidr).Contains(IPAddress.Parse(ip));
}
