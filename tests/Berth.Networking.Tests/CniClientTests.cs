using System.Text.Json.Nodes;
using Berth.Linux;
using Berth.Networking.Cni;
using Berth.Testing;

namespace Berth.Networking.Tests;

/// <summary>The CNI client against Debian's plugins and the real kernel, in network namespaces of the tests' own.</summary>
public sealed class CniClientTests : IDisposable
{
    private readonly string _bridge = "bt" + UniqueId.New("")[..10].Replace("-", "", StringComparison.Ordinal);
    private readonly string _dir = TestPaths.NewDirectory("cni");
    private readonly List<IDisposable> _owned = [];
    private readonly CniClient _cni = new(CniClient.DefaultPluginDir);

    public void Dispose()
    {
        foreach (var o in _owned) o.Dispose();
        NetworkInterfaces.DeleteBridge(_bridge);
        TestPaths.DeleteDirectory(_dir);
    }

    private TestNetns NewNetns()
    {
        var ns = new TestNetns();
        _owned.Add(ns);
        return ns;
    }

    private string LeaseDir => Path.Combine(_dir, "ipam", "t");

    private JsonObject ConfList(string subnet, params JsonObject[] more)
    {
        var plugins = new JsonArray((JsonNode)new JsonObject
        {
            ["type"] = "bridge",
            ["bridge"] = _bridge,
            ["isGateway"] = true,
            ["ipam"] = new JsonObject
            {
                ["type"] = "host-local",
                ["ranges"] = new JsonArray(new JsonArray(new JsonObject { ["subnet"] = subnet })),
                ["dataDir"] = Path.Combine(_dir, "ipam"),
            },
        });
        foreach (var m in more) plugins.Add((JsonNode)m);
        return new JsonObject { ["cniVersion"] = "1.0.0", ["name"] = "t", ["plugins"] = plugins };
    }

    private static string Subnet() => $"10.215.{Random.Shared.Next(0, 255)}.0/24";

    [RequiresRootFact]
    public void Add_BridgeAndTuning_GivesTheNamespaceAnAddressTheSysctlAndALease()
    {
        var ns = NewNetns();
        var subnet = Subnet();
        var list = ConfList(subnet, new JsonObject { ["type"] = "tuning", ["sysctl"] = new JsonObject { ["net.core.somaxconn"] = "321" } });
        var runtime = new CniRuntime { ContainerId = "c1", NetnsPath = ns.Path };

        var (json, result) = _cni.Add(list, runtime);

        var address = result.SandboxAddress();
        Assert.NotNull(address);
        Assert.True(Ipv4Subnet.Parse(subnet).Contains(Ip(address)));
        Assert.Equal("1.0.0", result.CniVersion);
        Assert.Contains(result.Interfaces, i => i.Name == "eth0" && i.Sandbox == ns.Path);
        Assert.True(ns.Run(() => NetworkInterfaces.IsUp("eth0")));
        Assert.Equal("321", ns.Run(() => File.ReadAllText("/proc/sys/net/core/somaxconn").Trim()));
        Assert.True(File.Exists(Path.Combine(LeaseDir, address.Split('/')[0])));
        _cni.Check(list, runtime, json);
    }

    [RequiresRootFact]
    public void Delete_AfterAdd_ReleasesTheLeaseAndTheInterface()
    {
        var ns = NewNetns();
        var list = ConfList(Subnet());
        var runtime = new CniRuntime { ContainerId = "c2", NetnsPath = ns.Path };
        var (json, result) = _cni.Add(list, runtime);
        var ip = result.SandboxAddress()!.Split('/')[0];

        _cni.Delete(list, runtime, json);

        Assert.False(File.Exists(Path.Combine(LeaseDir, ip)));
        Assert.False(ns.Run(() => NetworkInterfaces.Exists("eth0")));
    }

    [RequiresRootFact]
    public void Delete_WithoutNetns_ReleasesTheLease()
    {
        var ns = NewNetns();
        var list = ConfList(Subnet());
        var (json, result) = _cni.Add(list, new CniRuntime { ContainerId = "c3", NetnsPath = ns.Path });
        var ip = result.SandboxAddress()!.Split('/')[0];

        _cni.Delete(list, new CniRuntime { ContainerId = "c3" }, json);

        Assert.False(File.Exists(Path.Combine(LeaseDir, ip)));
    }

    [RequiresRootFact]
    public void Add_Loopback_BringsUpLo()
    {
        var ns = NewNetns();
        var list = new JsonObject { ["cniVersion"] = "1.0.0", ["name"] = "lo", ["plugins"] = new JsonArray((JsonNode)new JsonObject { ["type"] = "loopback" }) };

        _cni.Add(list, new CniRuntime { ContainerId = "c4", NetnsPath = ns.Path, IfName = "lo" });

        Assert.True(ns.Run(() => NetworkInterfaces.IsUp("lo")));
    }

    [RequiresRootFact]
    public void Add_PluginError_IsACniExceptionWithTheCodeAndMessage()
    {
        var ns = NewNetns();
        var list = ConfList("10.215.0.0/99");

        var e = Assert.Throws<CniException>(() => _cni.Add(list, new CniRuntime { ContainerId = "c5", NetnsPath = ns.Path }));

        Assert.Equal("bridge", e.Plugin);
        Assert.Equal("ADD", e.Command);
        Assert.Contains("10.215.0.0/99", e.Message);
    }

    [RequiresRootFact]
    public void Add_BadNetns_IsACniException()
    {
        var e = Assert.Throws<CniException>(() => _cni.Add(ConfList(Subnet()), new CniRuntime { ContainerId = "c6", NetnsPath = "/nonexistent/ns" }));

        Assert.Contains("/nonexistent/ns", e.Message);
        Assert.Empty(Directory.Exists(LeaseDir) ? Directory.GetFiles(LeaseDir).Where(f => char.IsDigit(Path.GetFileName(f)[0])) : []);
    }

    [Fact]
    public void Add_MissingPlugin_NamesThePath()
    {
        var list = SinglePluginList("no-such-plugin");

        var e = Assert.Throws<CniException>(() => _cni.Add(list, new CniRuntime { ContainerId = "c7" }));

        Assert.Contains("/usr/lib/cni/no-such-plugin", e.Message);
    }

    [Fact]
    public void Add_PluginThatHangs_IsKilledAtTheTimeout()
    {
        var plugins = FakePlugin("hang", "exec sleep 600");
        var cni = new CniClient(plugins) { Timeout = TimeSpan.FromMilliseconds(300) };
        var list = SinglePluginList("hang");

        var e = Assert.Throws<CniException>(() => cni.Add(list, new CniRuntime { ContainerId = "c8" }));

        Assert.Contains("was killed", e.Message);
    }

    [Fact]
    public void Add_ErrorObjectOnStdout_KeepsCodeMsgAndDetails()
    {
        var plugins = FakePlugin("fail", "cat >/dev/null\necho '{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"bad config\",\"details\":\"no bridge\"}'\nexit 1");
        var list = SinglePluginList("fail");

        var e = Assert.Throws<CniException>(() => new CniClient(plugins).Add(list, new CniRuntime { ContainerId = "c9" }));

        Assert.Equal(7, e.Code);
        Assert.Equal("bad config", e.Msg);
        Assert.Equal("no bridge", e.Details);
    }

    [Fact]
    public void PluginConfig_ChainsNameVersionPrevResultAndDeclaredCapabilities()
    {
        var list = new JsonObject { ["cniVersion"] = "1.0.0", ["name"] = "net1", ["plugins"] = new JsonArray() };
        var plugin = new JsonObject { ["type"] = "portmap", ["capabilities"] = new JsonObject { ["portMappings"] = true } };
        var runtime = new CniRuntime
        {
            ContainerId = "c",
            Capabilities = new Dictionary<string, JsonNode> { ["portMappings"] = new JsonArray((JsonNode)1), ["bandwidth"] = new JsonObject() },
        };

        var conf = CniClient.PluginConfig(list, plugin, JsonNode.Parse("{\"ips\":[]}"), runtime);

        Assert.Equal("net1", (string?)conf["name"]);
        Assert.Equal("1.0.0", (string?)conf["cniVersion"]);
        Assert.NotNull(conf["prevResult"]!["ips"]);
        Assert.NotNull(conf["runtimeConfig"]!["portMappings"]);
        Assert.Null(conf["runtimeConfig"]!["bandwidth"]);
    }

    /// <summary>A plugin folder holding a shell script plugin named <paramref name="type"/>; returns the folder.</summary>
    private string FakePlugin(string type, string body)
    {
        var plugins = Path.Combine(_dir, "plugins");
        Directory.CreateDirectory(plugins);
        File.WriteAllText(Path.Combine(plugins, type), "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(Path.Combine(plugins, type), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        return plugins;
    }

    private static JsonObject SinglePluginList(string type)
        => new() { ["cniVersion"] = "1.0.0", ["name"] = "x", ["plugins"] = new JsonArray((JsonNode)new JsonObject { ["type"] = type }) };

    private static uint Ip(string cidr) => Ipv4Subnet.TryParseAddress(cidr.Split('/')[0], out var a) ? a : 0;
}
