using Berth.Networking;

namespace Berth.Engine;

public sealed partial class ContainerEngine
{
    /// <summary>Whether container <paramref name="id"/> exists and its shim still supervises it: what decides that its network attachment is in use.</summary>
    public bool IsLive(string id) => Containers.TryFind(id) is { } r && r.Id == id && IsShimAlive(r);

    /// <summary>
    /// Puts a created container on its bridge network: its init (pid <paramref name="initPid"/>) exists, its program
    /// has not started. Returns its address (CIDR).
    /// </summary>
    /// <exception cref="EngineException">The network is gone, a port is taken, or a plugin failed; nothing is left taken.</exception>
    internal string AttachNetwork(ContainerRecord record, int initPid)
    {
        try
        {
            var attachment = Networks.Attach(new NetworkManager.AttachRequest
            {
                ContainerId = record.Id,
                Network = record.Network,
                Name = record.Name,
                Hostname = record.Hostname,
                Aliases = record.NetworkAliases,
                NetnsPath = $"/proc/{initPid}/ns/net",
                Ports = record.Ports.Select(PortMapping.Parse).ToList(),
                HostsFile = Path.Combine(Containers.Dir(record.Id), "hosts"),
            }, IsLive);
            return attachment.Address!;
        }
        catch (NetworkException e)
        {
            throw new EngineException($"container {record.Name}: network {record.Network}: {e.Message}", e);
        }
    }

    /// <summary>Takes a container off its network once its init is gone; a failure is left to <c>network prune</c> (its attachment is kept) and written to stderr.</summary>
    internal void DetachNetwork(string id)
    {
        try { Networks.Detach(id); }
        catch (NetworkException e) { Console.Error.WriteLine($"berth: container {id[..12]}: cannot release its network (berth network prune retries): {e.Message}"); }
    }
}
