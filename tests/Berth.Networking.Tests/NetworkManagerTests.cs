using Berth.Linux;
using Berth.Testing;

namespace Berth.Networking.Tests;

/// <summary>Network definitions and attachments against the real kernel, with namespaces standing in for containers.</summary>
public sealed class NetworkManagerTests : IDisposable
{
    private readonly string _root = TestPaths.NewDirectory("networks");
    private readonly NetworkManager _networks;
    private readonly List<TestNetns> _netns = [];
    private readonly HashSet<string> _live = [];

    public NetworkManagerTests() => _networks = new NetworkManager(_root);

    public void Dispose()
    {
        try
        {
            _live.Clear();
            _networks.Reclaim(_ => false);
            foreach (var n in _networks.List()) _networks.Remove(n.Name, _ => false);
        }
        finally
        {
            foreach (var ns in _netns) ns.Dispose();
            TestPaths.DeleteDirectory(_root);
        }
    }

    private static string Subnet() => $"10.216.{Random.Shared.Next(0, 255)}.0/24";

    private string Name() => UniqueId.New("n");

    private Attachment Attach(string network, string id, params string[] ports) => AttachWithAliases(network, id, [], ports);

    private Attachment AttachWithAliases(string network, string id, IReadOnlyList<string> aliases, params string[] ports)
    {
        var ns = new TestNetns();
        _netns.Add(ns);
        var hosts = Path.Combine(ns.Dir, "hosts");
        File.WriteAllText(hosts, "");
        _live.Add(id);
        return _networks.Attach(new NetworkManager.AttachRequest
        {
            ContainerId = id, Network = network, Name = id, Hostname = id, Aliases = aliases, NetnsPath = ns.Path, HostsFile = hosts,
            Ports = ports.Select(PortMapping.Parse).ToList(),
        }, _live.Contains);
    }

    [RequiresRootFact]
    public void Create_OverlappingSubnet_IsRefusedAndMakesNothing()
    {
        var subnet = Subnet();
        var first = _networks.Create(Name(), subnet, null, new Dictionary<string, string>());
        var wider = subnet.Split('.')[0] + "." + subnet.Split('.')[1] + ".0.0/16";

        var e = Assert.Throws<NetworkException>(() => _networks.Create(Name(), wider, null, new Dictionary<string, string>()));

        Assert.Contains($"overlaps network {first.Name}", e.Message);
        Assert.Single(_networks.List());
    }

    [RequiresRootFact]
    public void Create_SubnetOfAHostRoute_IsRefused()
    {
        // A route of the interface the host's default route leaves by: one that no other test makes and removes meanwhile.
        var uplinks = File.ReadAllLines("/proc/net/route").Skip(1).Select(l => l.Split('\t', StringSplitOptions.TrimEntries))
            .Where(f => f.Length > 7 && f[1] == "00000000" && f[7] == "00000000").Select(f => f[0]).ToHashSet(StringComparer.Ordinal);
        var route = Ipv4Subnet.HostRoutes().FirstOrDefault(r => uplinks.Contains(r.Interface));
        Assert.NotNull(route.Interface);

        var e = Assert.Throws<NetworkException>(() => _networks.Create(Name(), route.Subnet.ToString(), null, new Dictionary<string, string>()));

        Assert.Contains("host's route", e.Message);
    }

    [RequiresRootFact]
    public void Create_KeepsLabelsGatewayAndAFileOfItsOwn()
    {
        var name = Name();
        var subnet = Ipv4Subnet.Parse(Subnet());

        _networks.Create(name, subnet.ToString(), Ipv4Subnet.FormatAddress(subnet.Address + 9), new Dictionary<string, string> { ["team"] = "blue" });

        var read = new NetworkManager(_root).TryFind(name)!;
        Assert.Equal("blue", read.Labels["team"]);
        Assert.Equal(Ipv4Subnet.FormatAddress(subnet.Address + 9), read.Gateway);
        Assert.True(File.Exists(Path.Combine(_root, name + ".json")));
    }

    [RequiresRootFact]
    public void Attach_TwoContainers_HostsFilesListEachOtherAndStayTheSameFile()
    {
        var net = _networks.Create(Name(), Subnet(), null, new Dictionary<string, string>());
        var a = Attach(net.Name, "aaa");
        var inode = Inode(a.HostsFile!);

        var b = Attach(net.Name, "bbb");

        Assert.Contains($"{b.Ip}\tbbb", File.ReadAllText(a.HostsFile!));
        Assert.Contains($"{a.Ip}\taaa", File.ReadAllText(b.HostsFile!));
        Assert.Equal(inode, Inode(a.HostsFile!));
        _networks.Detach("bbb");
        Assert.DoesNotContain("bbb", File.ReadAllText(a.HostsFile!));
    }

    [RequiresRootFact]
    public void Attach_WithAliases_OthersListItUnderItsNameAndAliases()
    {
        var net = _networks.Create(Name(), Subnet(), null, new Dictionary<string, string>());
        var a = AttachWithAliases(net.Name, "aaa", ["web", "aaa"]);

        var b = Attach(net.Name, "bbb");

        Assert.Contains($"{a.Ip}\taaa web\n", File.ReadAllText(b.HostsFile!));
        Assert.Contains($"{a.Ip}\taaa web\n", File.ReadAllText(a.HostsFile!));
        Assert.Equal(["web", "aaa"], _networks.AttachmentOf("aaa")!.Aliases);
    }

    [RequiresRootFact]
    public void Attach_PortPublishedByALiveContainer_IsRefusedAndLeavesNoLease()
    {
        var net = _networks.Create(Name(), Subnet(), null, new Dictionary<string, string>());
        var port = FreePort();
        Attach(net.Name, "first", $"{port}:80");

        var e = Assert.Throws<NetworkException>(() => Attach(net.Name, "second", $"{port}:80"));

        Assert.Contains("already published by container first", e.Message);
        Assert.Null(_networks.AttachmentOf("second"));
        Assert.Single(Leases(net.Name));
    }

    [RequiresRootFact]
    public void Reclaim_DeadContainer_ReleasesItsLeaseAndRules()
    {
        var net = _networks.Create(Name(), Subnet(), null, new Dictionary<string, string>());
        var a = Attach(net.Name, "dead1", $"{FreePort()}:80");
        _live.Remove("dead1");

        var reclaimed = _networks.Reclaim(_live.Contains);

        Assert.Equal(["dead1"], reclaimed);
        Assert.Empty(Leases(net.Name));
        Assert.DoesNotContain("dead1", Tool.Run("iptables-save"));
        Assert.DoesNotContain(a.Ip!, Tool.Run("iptables-save"));
    }

    [RequiresRootFact]
    public void Remove_InUse_IsRefused_ThenRemovesBridgeRulesAndLeases()
    {
        var net = _networks.Create(Name(), Subnet(), null, new Dictionary<string, string>());
        Attach(net.Name, "user1");

        Assert.Throws<NetworkException>(() => _networks.Remove(net.Name, _live.Contains));
        Assert.True(NetworkInterfaces.Exists(net.Bridge));
        _live.Remove("user1");
        _networks.Remove(net.Name, _live.Contains);

        Assert.False(NetworkInterfaces.Exists(net.Bridge));
        Assert.False(Directory.Exists(Path.Combine(_networks.IpamDir, net.Name)));
        Assert.DoesNotContain(_networks.RulesTable, Tool.Run("nft", "list", "tables"));
    }

    private IEnumerable<string> Leases(string network)
    {
        var dir = Path.Combine(_networks.IpamDir, network);
        return Directory.Exists(dir) ? Directory.GetFiles(dir).Select(Path.GetFileName).OfType<string>().Where(f => char.IsDigit(f[0]) && !f.StartsWith("last_", StringComparison.Ordinal)) : [];
    }

    private static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static string Inode(string path) => Tool.Run("stat", "-c", "%i", path).Trim();
}
