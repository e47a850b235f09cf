using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>
/// Bridge networks through berth's command line against the real kernel and Debian's CNI plugins: names between
/// containers, published ports on 127.0.0.1, isolation between networks, and that nothing is left (links, rules,
/// leases) after delete or a crash. Every test has its own data root (and so its own networks, nftables table and
/// leases) and removes its containers and networks, also on failure. Traffic stays between the host's loopback and
/// the tests' own containers.
/// </summary>
public sealed class NetworkTests : IDisposable
{
    private readonly BerthCli _cli = new();
    private readonly string _data = TestPaths.NewDirectory("netdata");
    private readonly int _octet = RandomNumberGenerator.GetInt32(0, 250);

    public NetworkTests() => Ok("load", "-q", "-i", BusyboxImage.ArchivePath);

    public void Dispose()
    {
        try
        {
            foreach (var id in Run("ps", "-aq", "--no-trunc").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)) Run("rm", "-f", id);
            foreach (var name in Run("network", "ls", "-q", "--no-trunc").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)) Run("network", "rm", name);
        }
        finally
        {
            _cli.Dispose();
            TestPaths.DeleteDirectory(_data);
        }
    }

    private CliResult Run(params string[] args) => _cli.Run(["--data-root", _data, .. args]);

    private CliResult Ok(params string[] args)
    {
        var r = Run(args);
        Assert.True(r.Succeeded, $"berth {string.Join(' ', args)}: {r}");
        return r;
    }

    private string Subnet(int n = 0) => $"10.217.{_octet + n}.0/24";

    private string NewNetwork(int n = 0)
    {
        var name = UniqueId.New("net");
        Ok("network", "create", "--subnet", Subnet(n), name);
        return name;
    }

    private JsonObject Inspect(string name) => JsonNode.Parse(Ok("inspect", name).Stdout)!.AsArray()[0]!.AsObject();

    private string Ip(string container) => ((string)Inspect(container)["state"]!["ipAddress"]!).Split('/')[0];

    private string NetworksDir => Path.Combine(_data, "networks");

    private string RulesTable => "berth_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(NetworksDir)))[..8];

    private List<string> Leases(string network)
    {
        var dir = Path.Combine(NetworksDir, "ipam", network);
        return Directory.Exists(dir) ? Directory.GetFiles(dir).Select(f => Path.GetFileName(f)).Where(f => char.IsDigit(f[0])).ToList() : [];
    }

    private List<string> Attachments()
    {
        var dir = Path.Combine(NetworksDir, "attachments");
        return Directory.Exists(dir) ? Directory.GetFiles(dir).ToList() : [];
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static string Rules() => Tool.Run("iptables-save") + Tool.Run("nft", "list", "ruleset");

    /// <summary>Polls until <paramref name="condition"/> holds; fails after 15 s (a start-up wait, not a timing check).</summary>
    private static void WaitUntil(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(15)) Assert.Fail("timed out waiting for " + what);
            Thread.Sleep(50);
        }
    }

    [RequiresRootFact]
    public void Run_TwoContainersOnOneNetwork_ReachEachOtherByName()
    {
        var net = NewNetwork();
        Ok("run", "-d", "--name", "web", "--network", net, "busybox", "httpd", "-f", "-p", "80", "-h", "/etc");
        var hostname = ((string)Inspect("web")["hostname"]!).Trim();

        var fetched = "";
        WaitUntil(() => (fetched = Run("run", "--rm", "--network", net, "busybox", "wget", "-qO-", "http://web/hostname").Stdout).Length > 0, "web to answer");

        Assert.Equal(hostname, fetched.Trim());
        Assert.Contains("10.217.", Ip("web"));
    }

    [RequiresRootFact]
    public void Run_DefaultNetwork_IsMadeOnFirstUseAndListsTheContainer()
    {
        Ok("run", "-d", "--name", "one", "--network", "berth", "busybox", "sleep", "600");

        var ls = Ok("network", "ls").Stdout;
        var inspect = JsonNode.Parse(Ok("network", "inspect", "berth").Stdout)!.AsArray()[0]!;

        Assert.Contains("berth ", ls);
        var container = Assert.Single(inspect["containers"]!.AsObject());
        Assert.Equal("one", (string)container.Value!["name"]!);
        Assert.Equal(Ip("one"), ((string)container.Value["ipv4Address"]!).Split('/')[0]);
    }

    [RequiresRootFact]
    public void Run_PublishedPort_AnswersOnLoopbackFromTheHost()
    {
        var net = NewNetwork();
        var port = FreePort();
        Ok("run", "-d", "--name", "pub", "--network", net, "-p", $"{port}:80", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc");
        var hostname = ((string)Inspect("pub")["hostname"]!).Trim();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        string? body = null;
        WaitUntil(() =>
        {
            try { body = http.GetStringAsync($"http://127.0.0.1:{port}/hostname").GetAwaiter().GetResult(); }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            return body is not null;
        }, "the published port to answer");

        Assert.Equal(hostname, body!.Trim());
        Assert.Contains($"127.0.0.1:{port}:80/tcp", Inspect("pub")["ports"]!.ToJsonString());
    }

    [RequiresRootFact]
    public void Run_ContainersOnTwoNetworks_CannotReachEachOther()
    {
        var a = NewNetwork();
        var b = NewNetwork(1);
        Ok("run", "-d", "--name", "server", "--network", a, "busybox", "httpd", "-f", "-p", "80", "-h", "/etc");
        var ip = Ip("server");
        WaitUntil(() => Run("run", "--rm", "--network", a, "busybox", "wget", "-qO-", $"http://{ip}/hostname").Succeeded, "server to answer on its own network");

        var across = Run("run", "--rm", "--network", b, "busybox", "sh", "-c", $"nc -w 2 {ip} 80 </dev/null && echo CONNECTED");
        var host = Run("run", "--rm", "--network", b, "busybox", "ping", "-c", "1", "-W", "5", Subnet(1).Replace(".0/24", ".1", StringComparison.Ordinal));

        Assert.DoesNotContain("CONNECTED", across.Stdout);
        Assert.NotEqual(0, across.ExitCode);
        Assert.True(host.Succeeded, $"the other network's container reaches the host (its gateway): {host}");
    }

    [RequiresRootFact]
    public void Remove_LeavesNoLinkRuleOrLease()
    {
        var net = NewNetwork();
        var port = FreePort();
        var id = Ok("run", "-d", "--name", "gone", "--network", net, "-p", $"{port}:80", "busybox", "sleep", "600").Stdout.Trim();
        var ip = Ip("gone");
        var bridge = (string)JsonNode.Parse(Ok("network", "inspect", net).Stdout)!.AsArray()[0]!["bridge"]!;
        Assert.Contains(id, Rules());
        Assert.Single(Leases(net));

        Ok("rm", "-f", "gone");
        Ok("network", "rm", net);

        var links = Tool.Run("ip", "-o", "link");
        var rules = Rules();
        Assert.DoesNotContain(bridge, links);
        Assert.DoesNotContain(id, rules);
        Assert.DoesNotContain(ip + "/", rules);
        Assert.DoesNotContain($"dport {port}", rules);
        Assert.DoesNotContain(RulesTable, rules);
        Assert.Empty(Leases(net));
        Assert.Empty(Attachments());
    }

    [RequiresRootFact]
    public void Stop_ReleasesTheAddressAndStartTakesOneAgain()
    {
        var net = NewNetwork();
        Ok("run", "-d", "--name", "cycle", "--network", net, "busybox", "sleep", "600");

        Ok("stop", "-t", "0", "cycle");
        var stopped = Leases(net);
        Ok("start", "cycle");

        Assert.Empty(stopped);
        Assert.Single(Leases(net));
        Assert.StartsWith("10.217.", Ip("cycle"));
    }

    [RequiresRootFact]
    public void Prune_AfterTheShimAndContainerWereKilled_ReclaimsWhatTheyLeft()
    {
        var net = NewNetwork();
        var port = FreePort();
        var id = Ok("run", "-d", "--name", "crashed", "--network", net, "-p", $"{port}:80", "busybox", "sleep", "600").Stdout.Trim();
        var state = Inspect("crashed")["state"]!;
        var ip = Ip("crashed");
        Process.GetProcessById((int)state["shimPid"]!).Kill();
        Process.GetProcessById((int)state["pid"]!).Kill();
        WaitUntil(() => !Directory.Exists($"/proc/{(int)state["pid"]!}"), "the container's init to be gone");
        Assert.Single(Leases(net));

        var prune = Ok("network", "prune", "-f");

        Assert.Contains("Released container: " + id[..12], prune.Stdout);
        Assert.Empty(Leases(net));
        Assert.Empty(Attachments());
        var rules = Rules();
        Assert.DoesNotContain(id, rules);
        Assert.DoesNotContain(ip + "/", rules);
    }

    [RequiresRootFact]
    public void Run_AfterAContainerRecordVanished_ReclaimsItsLeftoverCache()
    {
        var net = NewNetwork();
        var id = Ok("run", "-d", "--name", "lost", "--network", net, "busybox", "sleep", "600").Stdout.Trim();
        var state = Inspect("lost")["state"]!;
        var ip = Ip("lost");
        Process.GetProcessById((int)state["shimPid"]!).Kill();
        Process.GetProcessById((int)state["pid"]!).Kill();
        WaitUntil(() => !Directory.Exists($"/proc/{(int)state["pid"]!}"), "the container's init to be gone");
        Directory.Delete(Path.Combine(_data, "containers", id), recursive: true);

        Ok("run", "-d", "--name", "next", "--network", net, "busybox", "sleep", "600");

        Assert.DoesNotContain(Attachments(), f => f.Contains(id, StringComparison.Ordinal));
        Assert.DoesNotContain(ip, Leases(net).Where(l => l != Ip("next")));
        Assert.DoesNotContain(id, Rules());
    }

    [RequiresRootFact]
    public void NetworkCreate_OverlappingSubnet_IsAClearErrorAndMakesNothing()
    {
        var first = NewNetwork();

        var r = Run("network", "create", "--subnet", "10.217.0.0/16", "second");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"overlaps network {first}", r.Stderr);
        Assert.DoesNotContain("second", Ok("network", "ls").Stdout);
    }

    [RequiresRootFact]
    public void NetworkRm_InUse_IsRefused()
    {
        var net = NewNetwork();
        Ok("run", "-d", "--name", "user", "--network", net, "busybox", "sleep", "600");

        var r = Run("network", "rm", net);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("active endpoints (user)", r.Stderr);
        Assert.Contains(net, Ok("network", "ls").Stdout);
    }

    [RequiresRootFact]
    public void Run_TakenHostPort_IsAClearErrorAndLeavesNothing()
    {
        var net = NewNetwork();
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var r = Run("run", "-d", "--network", net, "-p", $"{port}:80", "busybox", "sleep", "600");

        Assert.Equal(125, r.ExitCode);
        Assert.Contains($"127.0.0.1:{port}/tcp is already in use", r.Stderr);
        Assert.Empty(Ok("ps", "-aq").Stdout.Trim());
        Assert.Empty(Attachments());
        Assert.Empty(Leases(net));
    }

    [RequiresRootTheory]
    [InlineData("--network", "no-such-net", "network no-such-net not found")]
    [InlineData("-p", "80", "a host port is needed")]
    [InlineData("-p", "x:80", "host port \"x\"")]
    [InlineData("-p", "8080:80/sctp", "unknown protocol")]
    public void Run_BadNetworkSpec_IsAClearErrorAndLeavesNothing(string flag, string value, string message)
    {
        var args = flag == "-p" ? new[] { "run", "--network", NewNetwork(), flag, value, "busybox", "true" } : ["run", flag, value, "busybox", "true"];

        var r = Run(args);

        Assert.Equal(125, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.Empty(Ok("ps", "-aq").Stdout.Trim());
        Assert.Empty(Attachments());
    }

    [RequiresRootFact]
    public void Run_PortsWithoutABridgeNetwork_AreRefused()
    {
        var r = Run("run", "-p", "8080:80", "busybox", "true");

        Assert.Equal(125, r.ExitCode);
        Assert.Contains("-p needs a bridge network", r.Stderr);
    }
}
