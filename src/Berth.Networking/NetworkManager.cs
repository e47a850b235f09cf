using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Linux;
using Berth.Networking.Cni;

namespace Berth.Networking;

/// <summary>
/// One node's bridge networks and the containers on them, under <c>DATA/networks</c>: a file per network, a file per
/// attachment (the CNI result cache), host-local's leases in <c>ipam/</c>. Attaching runs the CNI plugins (bridge
/// with host-local, portmap, firewall) into a container's network namespace; detaching runs their DEL from the cached
/// result. Every change is made under one lock (<c>DATA/networks/.lock</c>), as several processes (the CLI, shims,
/// the control plane) share the data root. Containers are known to it only by id: the caller says which are alive.
/// </summary>
public sealed class NetworkManager(string root, string pluginDir = CniClient.DefaultPluginDir)
{
    /// <summary>The network <c>run --network</c> means when it names none other: made on first use.</summary>
    public const string DefaultNetwork = "berth";

    /// <summary>The default network's bridge.</summary>
    public const string DefaultBridge = "berth0";

    /// <summary>
    /// Where subnets are taken from when none is given: /24s of 10.213.0.0/16, the first that overlaps neither another
    /// network nor a host route. Docker's 172.17.0.0/16 and Podman's 10.88.0.0/16 are left to them, and 192.168.0.0/16
    /// to home and office LANs.
    /// </summary>
    public static readonly Ipv4Subnet Pool = new(0x0AD50000, 16);

    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(60);

    public string Root { get; } = root;

    public CniClient Cni { get; } = new(pluginDir);

    /// <summary>The nftables table (family inet) of these networks' rules (<see cref="NetworkRules"/>).</summary>
    public string RulesTable => NetworkRules.TableFor(Root);

    /// <summary>host-local's <c>dataDir</c>: its leases, a folder per network.</summary>
    public string IpamDir => Path.Combine(Root, "ipam");

    private string AttachmentsDir => Path.Combine(Root, "attachments");

    /// <summary>Whether <paramref name="mode"/> (a <c>--network</c> value) names a bridge network rather than none or host.</summary>
    public static bool IsBridge(string mode) => mode is not ("none" or "host");

    /// <summary>Whether <paramref name="name"/> may name a network (Docker's container-name rule; none and host are modes).</summary>
    public static bool IsValidName(string name)
        => name.Length is > 0 and <= 64 && char.IsAsciiLetterOrDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-')
           && name is not ("none" or "host");

    private string FileOf(string name) => Path.Combine(Root, name + ".json");

    private string AttachmentFile(string containerId) => Path.Combine(AttachmentsDir, containerId + ".json");

    /// <summary>The networks, by name.</summary>
    public IReadOnlyList<Network> List()
    {
        if (!Directory.Exists(Root)) return [];
        return Directory.GetFiles(Root, "*.json").Select(Read).OfType<Network>().OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The network named (or whose id starts with) <paramref name="nameOrId"/>; null when none.</summary>
    public Network? TryFind(string nameOrId)
    {
        ArgumentNullException.ThrowIfNull(nameOrId);
        if (IsValidName(nameOrId) && Read(FileOf(nameOrId)) is { } byName) return byName;
        var byId = nameOrId.Length >= 3 ? List().Where(n => n.Id.StartsWith(nameOrId, StringComparison.Ordinal)).ToList() : [];
        return byId.Count == 1 ? byId[0] : null;
    }

    /// <summary>The network for <c>--network NAME</c>; the default one is made when missing.</summary>
    /// <exception cref="NetworkException">No such network.</exception>
    public Network Resolve(string name)
    {
        if (TryFind(name) is { } found) return found;
        if (name == DefaultNetwork)
        {
            using var held = Lock();
            // Another data root on this host may have made berth0 already: this one's default then gets a bridge like any network's.
            return TryFind(name) ?? CreateLocked(DefaultNetwork, null, null, new Dictionary<string, string>(), NetworkInterfaces.Exists(DefaultBridge) ? null : DefaultBridge);
        }
        throw new NetworkException($"network {name} not found (see berth network ls; berth network create {name} makes it)");
    }

    /// <summary>Makes a bridge network: checks the name and subnet, writes its file and the isolation rules. The bridge itself appears with its first container.</summary>
    /// <exception cref="NetworkException">A bad or taken name, a malformed subnet or gateway, or a subnet that overlaps another network's or a host route.</exception>
    public Network Create(string name, string? subnet, string? gateway, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(labels);
        using var held = Lock();
        return CreateLocked(name, subnet, gateway, labels, null);
    }

    private Network CreateLocked(string name, string? subnetText, string? gatewayText, IReadOnlyDictionary<string, string> labels, string? bridge)
    {
        if (!IsValidName(name))
            throw new NetworkException($"invalid network name \"{name}\": use letters, digits, '_', '.' and '-', starting with a letter or digit (none and host are modes, not networks)");
        if (Read(FileOf(name)) is not null) throw new NetworkException($"network with name {name} already exists");
        if (gatewayText is not null && subnetText is null) throw new NetworkException("--gateway needs --subnet");
        var taken = List().Select(n => (n.Name, Subnet: Ipv4Subnet.Parse(n.Subnet))).ToList();
        var bridges = List().Select(n => n.Bridge).ToHashSet(StringComparer.Ordinal);
        // Routes on these networks' own bridges are already in the list; those of other data roots' bridges count.
        var routes = Ipv4Subnet.HostRoutes().Where(r => !bridges.Contains(r.Interface)).ToList();
        Ipv4Subnet subnet;
        if (subnetText is not null)
        {
            subnet = Ipv4Subnet.Parse(subnetText);
            if (taken.FirstOrDefault(t => t.Subnet.Overlaps(subnet)) is { Name: not null } clash)
                throw new NetworkException($"subnet {subnet} overlaps network {clash.Name} ({clash.Subnet})");
            if (routes.FirstOrDefault(r => r.Subnet.Overlaps(subnet)) is { Interface: not null } route)
                throw new NetworkException($"subnet {subnet} overlaps the host's route to {route.Subnet} on {route.Interface}");
        }
        else
        {
            subnet = Enumerable.Range(0, 256).Select(i => new Ipv4Subnet(Pool.Address + ((uint)i << 8), 24))
                .Where(s => !taken.Any(t => t.Subnet.Overlaps(s)) && !routes.Any(r => r.Subnet.Overlaps(s)))
                .Select(s => (Ipv4Subnet?)s).FirstOrDefault()
                ?? throw new NetworkException($"no free /24 left in {Pool}: give --subnet");
        }
        uint gateway;
        if (gatewayText is null) gateway = subnet.FirstHost;
        else if (!Ipv4Subnet.TryParseAddress(gatewayText, out gateway) || !subnet.Contains(gateway) || gateway == subnet.Address || gateway == subnet.Broadcast)
            throw new NetworkException($"--gateway {gatewayText}: give a host address inside {subnet}");
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        bridge ??= NetworkRules.BridgePrefix + id[..10];
        if (bridges.Contains(bridge) || NetworkInterfaces.Exists(bridge)) throw new NetworkException($"bridge {bridge} exists already; remove it or pick another name");
        var network = new Network
        {
            Name = name,
            Id = id,
            Bridge = bridge,
            Subnet = subnet.ToString(),
            Gateway = Ipv4Subnet.FormatAddress(gateway),
            Created = DateTimeOffset.UtcNow,
            Labels = new Dictionary<string, string>(labels, StringComparer.Ordinal),
        };
        Directory.CreateDirectory(Root);
        var tmp = FileOf(name) + ".tmp";
        File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(network, NetworkJsonContext.Default.Network));
        File.Move(tmp, FileOf(name), overwrite: false);
        try { NetworkRules.Apply(RulesTable, List()); }
        catch (NetworkException)
        {
            File.Delete(FileOf(name));
            throw;
        }
        return network;
    }

    /// <summary>
    /// Removes a network: refused while a live container is on it (as Docker's "has active endpoints"); what dead
    /// containers left on it is reclaimed first. Deletes the bridge, the leases and the isolation rule.
    /// </summary>
    /// <exception cref="NetworkException">No such network, or it is in use.</exception>
    public void Remove(string nameOrId, Func<string, bool> isLive)
    {
        ArgumentNullException.ThrowIfNull(isLive);
        using var held = Lock();
        var network = TryFind(nameOrId) ?? throw new NetworkException($"network {nameOrId} not found");
        ReclaimLocked(isLive);
        var users = Attachments().Where(a => a.NetworkId == network.Id).ToList();
        if (users.Count > 0)
            throw new NetworkException($"error while removing network {network.Name}: it has active endpoints ({string.Join(", ", users.Select(u => u.Name.Length > 0 ? u.Name : u.ContainerId[..12]))}); stop or remove them first");
        RemoveLocked(network);
    }

    private void RemoveLocked(Network network)
    {
        File.Delete(FileOf(network.Name));
        NetworkRules.Apply(RulesTable, List());
        NetworkInterfaces.DeleteBridge(network.Bridge);
        var leases = Path.Combine(IpamDir, network.Name);
        if (Directory.Exists(leases)) Directory.Delete(leases, recursive: true);
    }

    /// <summary>
    /// Reclaims what dead containers left (attachments whose container is not alive: DEL from the cache), then
    /// removes every network other than the default one that no container is on. Returns the removed networks' names.
    /// </summary>
    public IReadOnlyList<string> Prune(Func<string, bool> isLive)
    {
        ArgumentNullException.ThrowIfNull(isLive);
        using var held = Lock();
        ReclaimLocked(isLive);
        var used = Attachments().Select(a => a.NetworkId).ToHashSet(StringComparer.Ordinal);
        var removed = new List<string>();
        foreach (var n in List().Where(n => n.Name != DefaultNetwork && !used.Contains(n.Id)))
        {
            RemoveLocked(n);
            removed.Add(n.Name);
        }
        return removed;
    }

    /// <summary>Reclaims what dead containers left (see <see cref="Prune"/>) without removing networks; returns their ids.</summary>
    public IReadOnlyList<string> Reclaim(Func<string, bool> isLive)
    {
        ArgumentNullException.ThrowIfNull(isLive);
        using var held = Lock();
        return ReclaimLocked(isLive);
    }

    private List<string> ReclaimLocked(Func<string, bool> isLive)
    {
        var reclaimed = new List<string>();
        foreach (var a in Attachments().Where(a => !isLive(a.ContainerId)))
        {
            // Best effort: an attachment whose DEL fails is kept, to be tried again.
            try { DetachLocked(a); }
            catch (NetworkException) { continue; }
            reclaimed.Add(a.ContainerId);
        }
        return reclaimed;
    }

    /// <summary>The attachments (one per container on a network).</summary>
    public IReadOnlyList<Attachment> Attachments()
    {
        if (!Directory.Exists(AttachmentsDir)) return [];
        return Directory.GetFiles(AttachmentsDir, "*.json").Select(ReadAttachment).OfType<Attachment>().ToList();
    }

    /// <summary>Container <paramref name="containerId"/>'s attachment; null when it is on no network.</summary>
    public Attachment? AttachmentOf(string containerId) => ReadAttachment(AttachmentFile(containerId));

    /// <summary>
    /// Checks that the ports can be published: no live container publishes them, and nothing on the host holds them.
    /// </summary>
    /// <exception cref="NetworkException">A port is taken; the message says which and by whom.</exception>
    public void EnsurePortsFree(IReadOnlyList<PortMapping> ports, Func<string, bool> isLive, string? exceptContainer = null)
    {
        ArgumentNullException.ThrowIfNull(ports);
        ArgumentNullException.ThrowIfNull(isLive);
        for (var i = 0; i < ports.Count; i++)
            for (var j = 0; j < i; j++)
                if (ports[i].Clashes(ports[j])) throw new NetworkException($"-p {ports[i]}: host port {ports[i].HostPort}/{ports[i].Protocol} is given twice");
        foreach (var a in Attachments().Where(a => a.ContainerId != exceptContainer && isLive(a.ContainerId)))
            foreach (var p in a.Ports.Select(PortMapping.Parse))
                if (ports.FirstOrDefault(x => x.Clashes(p)) is { } clash)
                    throw new NetworkException($"-p {clash}: host port {clash.HostIp}:{clash.HostPort}/{clash.Protocol} is already published by container {(a.Name.Length > 0 ? a.Name : a.ContainerId[..12])}");
        foreach (var p in ports) p.EnsureFree();
    }

    /// <summary>What <see cref="Attach"/> needs to know of a container.</summary>
    public sealed class AttachRequest
    {
        public required string ContainerId { get; init; }

        public required string Network { get; init; }

        public string Name { get; init; } = "";

        public string Hostname { get; init; } = "";

        /// <summary>More names for it in the other containers' hosts files (Docker's network aliases).</summary>
        public IReadOnlyList<string> Aliases { get; init; } = [];

        /// <summary>The container's network namespace (<c>/proc/PID/ns/net</c> of its init).</summary>
        public required string NetnsPath { get; init; }

        public IReadOnlyList<PortMapping> Ports { get; init; } = [];

        /// <summary>Its hosts file, kept listing the network's containers by name.</summary>
        public string? HostsFile { get; init; }
    }

    /// <summary>
    /// Puts a container on a network: reclaims what dead containers left, checks its ports, records the attachment
    /// (before the ADD, so that a crash during it leaves a DEL to do), runs the CNI ADD, rewrites the isolation rules
    /// and the hosts files of the network's containers. On failure everything it took is released (DEL) and it throws.
    /// </summary>
    /// <exception cref="NetworkException">No such network, a port taken, or a plugin failed.</exception>
    public Attachment Attach(AttachRequest request, Func<string, bool> isLive)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(isLive);
        using var held = Lock();
        var network = TryFind(request.Network) ?? throw new NetworkException($"network {request.Network} not found");
        ReclaimLocked(id => id == request.ContainerId ? false : isLive(id));
        EnsurePortsFree(request.Ports, isLive, request.ContainerId);
        var attachment = new Attachment
        {
            ContainerId = request.ContainerId,
            Network = network.Name,
            NetworkId = network.Id,
            Name = request.Name,
            Hostname = request.Hostname,
            Aliases = [.. request.Aliases],
            ConfList = ConfList(network, request.Ports.Count > 0).ToJsonString(),
            Ports = request.Ports.Select(p => p.ToString()).ToList(),
            HostsFile = request.HostsFile,
            Created = DateTimeOffset.UtcNow,
        };
        Save(attachment);
        try
        {
            var runtime = Runtime(attachment, request.NetnsPath);
            var (json, result) = Cni.Add(JsonNode.Parse(attachment.ConfList)!.AsObject(), runtime);
            attachment.Result = json;
            attachment.Address = result.SandboxAddress() ?? throw new NetworkException($"network {network.Name}: the CNI result gives the container no IPv4 address");
            Save(attachment);
            NetworkRules.Ensure(RulesTable, List());
            SyncHostsLocked(network.Id);
            return attachment;
        }
        catch (Exception e) when (e is NetworkException or IOException or JsonException)
        {
            try { DetachLocked(attachment); }
            catch (NetworkException) { }
            throw;
        }
    }

    /// <summary>
    /// Takes a container off its network (CNI DEL from the cached ADD, in reverse plugin order), forgets the
    /// attachment and updates the other containers' hosts files. Nothing to do when it is on none. DEL runs with no
    /// CNI_NETNS: the caller detaches once the container's init is gone, its namespace (and the veth in it) with it,
    /// and a <c>/proc/PID</c> path could by then name another process's namespace.
    /// </summary>
    /// <exception cref="NetworkException">A plugin failed; the attachment is kept, for a later prune to retry.</exception>
    public void Detach(string containerId)
    {
        using var held = Lock();
        if (AttachmentOf(containerId) is { } a) DetachLocked(a);
    }

    private void DetachLocked(Attachment a)
    {
        Cni.Delete(JsonNode.Parse(a.ConfList)!.AsObject(), Runtime(a, ""), a.Result);
        File.Delete(AttachmentFile(a.ContainerId));
        SyncHostsLocked(a.NetworkId);
    }

    private CniRuntime Runtime(Attachment a, string netns) => new()
    {
        ContainerId = a.ContainerId,
        NetnsPath = netns,
        IfName = a.IfName,
        Capabilities = a.Ports.Count == 0 ? new Dictionary<string, JsonNode>()
            : new Dictionary<string, JsonNode> { ["portMappings"] = new JsonArray(a.Ports.Select(p => (JsonNode)PortMapping.Parse(p).ToCni()).ToArray()) },
    };

    /// <summary>
    /// The CNI configuration list of a network: bridge (gateway on the bridge, hairpin so a container reaches itself
    /// through a published port; masquerade is <see cref="NetworkRules"/>' per network instead of ipMasq's per container) with host-local leases under the data
    /// root, portmap when ports are published (its SNAT makes 127.0.0.1 reach them: it sets route_localnet on the
    /// bridge and masquerades localhost's packets), and firewall (accepts the container's forwarded traffic where the
    /// FORWARD policy drops).
    /// </summary>
    internal JsonObject ConfList(Network network, bool withPorts)
    {
        var plugins = new JsonArray(
            new JsonObject
            {
                ["type"] = "bridge",
                ["bridge"] = network.Bridge,
                ["isGateway"] = true,
                ["ipMasq"] = false,
                ["hairpinMode"] = true,
                ["ipam"] = new JsonObject
                {
                    ["type"] = "host-local",
                    ["ranges"] = new JsonArray(new JsonArray(new JsonObject { ["subnet"] = network.Subnet, ["gateway"] = network.Gateway })),
                    ["routes"] = new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0" }),
                    ["dataDir"] = IpamDir,
                },
            });
        if (withPorts) plugins.Add((JsonNode)new JsonObject { ["type"] = "portmap", ["capabilities"] = new JsonObject { ["portMappings"] = true }, ["snat"] = true });
        plugins.Add((JsonNode)new JsonObject { ["type"] = "firewall", ["backend"] = "iptables" });
        return new JsonObject { ["cniVersion"] = "1.0.0", ["name"] = network.Name, ["plugins"] = plugins };
    }

    /// <summary>The lines every container's /etc/hosts starts with: the loopback names.</summary>
    public const string LoopbackHosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";

    /// <summary>
    /// Rewrites the hosts file of every container on the network: its own address under its hostname, name and
    /// aliases, and every other container's under its name and aliases. Written in place (same inode), as the file is bind-mounted into running
    /// containers, which then see the change.
    /// </summary>
    private void SyncHostsLocked(string networkId)
    {
        var members = Attachments().Where(a => a.NetworkId == networkId && a.Ip is not null).OrderBy(a => a.Name, StringComparer.Ordinal).ToList();
        foreach (var self in members)
        {
            if (self.HostsFile is not { } path || !File.Exists(path)) continue;
            var text = new StringBuilder(LoopbackHosts);
            text.Append(self.Ip).Append('\t').Append(self.Hostname);
            foreach (var name in new[] { self.Name }.Concat(self.Aliases).Where(n => n.Length > 0 && n != self.Hostname).Distinct(StringComparer.Ordinal))
                text.Append(' ').Append(name);
            text.Append('\n');
            foreach (var other in members.Where(m => m.ContainerId != self.ContainerId))
            {
                var names = new[] { other.Name }.Concat(other.Aliases).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).ToList();
                if (names.Count > 0) text.Append(other.Ip).Append('\t').AppendJoin(' ', names).Append('\n');
            }
            WriteInPlace(path, text.ToString());
        }
    }

    /// <summary>
    /// The resolver file of a container on a bridge network: the host's <c>/etc/resolv.conf</c> without its loopback
    /// name servers (127.0.0.0/8, ::1), which the container's own loopback does not reach (as Docker does); empty when
    /// the host has none.
    /// </summary>
    public static string ResolvConf()
    {
        string[] lines;
        try { lines = File.ReadAllLines("/etc/resolv.conf"); }
        catch (IOException) { return ""; }
        var kept = lines.Where(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) is not ["nameserver", var ns, ..]
                                    || !(ns.StartsWith("127.", StringComparison.Ordinal) || ns == "::1")).ToList();
        return kept.Count == 0 ? "" : string.Join('\n', kept) + "\n";
    }

    /// <summary>Replaces a file's content without replacing the file (no create, no rename): a bind mount of it sees the new content.</summary>
    internal static void WriteInPlace(string path, string text)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            var bytes = Encoding.UTF8.GetBytes(text);
            f.Write(bytes);
            f.SetLength(bytes.Length);
        }
        catch (FileNotFoundException) { }
        catch (DirectoryNotFoundException) { }
    }

    private void Save(Attachment a)
    {
        Directory.CreateDirectory(AttachmentsDir);
        var path = AttachmentFile(a.ContainerId);
        File.WriteAllBytes(path + ".tmp", JsonSerializer.SerializeToUtf8Bytes(a, NetworkJsonContext.Default.Attachment));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static Network? Read(string path)
    {
        try { return JsonSerializer.Deserialize(File.ReadAllBytes(path), NetworkJsonContext.Default.Network); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException) { return null; }
    }

    private static Attachment? ReadAttachment(string path)
    {
        try { return JsonSerializer.Deserialize(File.ReadAllBytes(path), NetworkJsonContext.Default.Attachment); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException) { return null; }
    }

    /// <summary>The lock every change to networks and attachments is made under (an flock, which .NET takes for FileShare.None).</summary>
    private FileStream Lock()
    {
        Directory.CreateDirectory(Root);
        var path = Path.Combine(Root, ".lock");
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (DateTime.UtcNow < deadline) { Thread.Sleep(5); }
            catch (IOException e) { throw new NetworkException($"{path} stayed locked for {LockTimeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s", e); }
        }
    }
}
