using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Networking;

namespace Berth.Cli.Commands;

/// <summary><c>berth network ls|create|rm|inspect|prune</c>: the node's bridge networks, as <c>docker network</c>.</summary>
public static class NetworkCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        if (args.Length == 0) throw new UsageException("network: give a command: ls, create, rm, inspect or prune");
        var engine = g.Engine();
        var networks = engine.Networks;
        try
        {
            switch (args[0])
            {
                case "ls" or "list":
                {
                    var p = new DockerArgs("network ls").Flag("quiet", "q").Flag("no-trunc").Parse(args[1..]);
                    var list = networks.List();
                    if (p.Has("quiet"))
                    {
                        foreach (var n in list) Console.Out.WriteLine(p.Has("no-trunc") ? n.Id : n.Id[..12]);
                        return 0;
                    }
                    var rows = new List<string[]> { new[] { "NETWORK ID", "NAME", "DRIVER", "SUBNET", "BRIDGE" } };
                    rows.AddRange(list.Select(n => new[] { p.Has("no-trunc") ? n.Id : n.Id[..12], n.Name, n.Driver, n.Subnet, n.Bridge }));
                    Console.Out.Write(Display.Table(rows));
                    return 0;
                }
                case "create":
                {
                    var p = new DockerArgs("network create").Option("subnet").Option("gateway").Option("label").Option("driver", "d").Parse(args[1..]);
                    p.Require(1, "give the network's name: berth network create [--subnet CIDR] [--gateway IP] [--label K=V] NAME");
                    if (p.Positional.Count > 1) throw new UsageException("network create: give one name");
                    if (p.Get("driver") is { } d && d != "bridge") throw new UsageException($"network create: driver \"{d}\" is not available (bridge only)");
                    var labels = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var l in p.All("label"))
                        labels[l.Split('=')[0]] = l.Contains('=', StringComparison.Ordinal) ? l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..] : "";
                    Console.Out.WriteLine(networks.Create(p.Positional[0], p.Get("subnet"), p.Get("gateway"), labels).Id);
                    return 0;
                }
                case "rm" or "remove":
                {
                    var p = new DockerArgs("network rm").Flag("force", "f").Parse(args[1..]);
                    p.Require(1, "give at least one network");
                    var status = 0;
                    foreach (var name in p.Positional)
                    {
                        try
                        {
                            networks.Remove(name, engine.IsLive);
                            Console.Out.WriteLine(name);
                        }
                        catch (NetworkException) when (p.Has("force") && networks.TryFind(name) is null)
                        {
                            // As Docker's -f: a network that is not there is not an error.
                        }
                        catch (NetworkException e)
                        {
                            Console.Error.WriteLine("berth: " + e.Message);
                            status = 1;
                        }
                    }
                    return status;
                }
                case "inspect":
                {
                    var p = new DockerArgs("network inspect").Parse(args[1..]);
                    p.Require(1, "give at least one network");
                    var status = 0;
                    var array = new JsonArray();
                    foreach (var name in p.Positional)
                    {
                        if (networks.TryFind(name) is not { } n)
                        {
                            Console.Error.WriteLine($"berth: no such network: {name}");
                            status = 1;
                            continue;
                        }
                        var o = JsonNode.Parse(JsonSerializer.Serialize(n, NetworkJsonContext.Default.Network))!.AsObject();
                        var containers = new JsonObject();
                        foreach (var a in networks.Attachments().Where(a => a.NetworkId == n.Id).OrderBy(a => a.Name, StringComparer.Ordinal))
                        {
                            var ports = new JsonArray(a.Ports.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
                            containers[a.ContainerId] = new JsonObject
                            {
                                ["name"] = a.Name,
                                ["ipv4Address"] = a.Address,
                                ["ports"] = ports,
                                ["live"] = engine.IsLive(a.ContainerId),
                            };
                        }
                        o["containers"] = containers;
                        array.Add((JsonNode)o);
                    }
                    Console.Out.WriteLine(array.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
                    return status;
                }
                case "prune":
                {
                    var p = new DockerArgs("network prune").Flag("force", "f").Parse(args[1..]);
                    if (!p.Has("force") && !Console.IsInputRedirected)
                    {
                        Console.Out.Write("This removes every network no container uses (not the default one) and what dead containers left on networks. Continue? [y/N] ");
                        if (Console.In.ReadLine()?.Trim() is not ("y" or "Y" or "yes")) return 0;
                    }
                    var reclaimed = networks.Reclaim(engine.IsLive);
                    foreach (var id in reclaimed) Console.Out.WriteLine("Released container: " + id[..12]);
                    var removed = networks.Prune(engine.IsLive);
                    if (removed.Count > 0) Console.Out.WriteLine("Deleted Networks:\n" + string.Join('\n', removed));
                    return 0;
                }
                default:
                    throw new UsageException($"network: unknown command \"{args[0]}\" (ls, create, rm, inspect, prune)");
            }
        }
        catch (NetworkException e)
        {
            throw new UsageException("network " + args[0] + ": " + e.Message);
        }
    }
}
