using System.Text.Json;
using Berth.ControlPlane.Security;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Networking;

namespace Berth.ControlPlane.Containers;

/// <summary>
/// Admission of published ports, inside the transaction that makes the change: the node's port lock is held until
/// commit, so of two launches asking for one host port at once exactly one commits with it and the other is refused.
/// Taken after the team's quota lock (<see cref="QuotaGuard"/>), never before, so that no two changes wait on each
/// other. The engine checks the ports again when the container joins its network.
/// </summary>
public static class PortGuard
{
    /// <summary>
    /// Throws a conflict naming the host port and the container holding it when a port of <paramref name="spec"/>
    /// is published by another live container (pending, running or restarting) on node <paramref name="nodeId"/>;
    /// <paramref name="self"/>, the container being started, is left out. The holder is named only to a caller who
    /// sees its team. Takes no lock when the definition publishes nothing.
    /// </summary>
    public static async Task CheckAsync(BerthDbContext db, Caller caller, string nodeId, ContainerSpec spec, Guid? self, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Ports.Count == 0) return;
        var wanted = SpecValidator.PortsOf(spec);
        var holders = await LockedReads.RunAsync(db, "ports:" + nodeId, [(HoldersSql, [nodeId, self ?? Guid.Empty])],
            async (reader, ct) =>
            {
                var list = new List<(string Name, Guid TeamId, string Ports)>();
                while (await reader.ReadAsync(ct).ConfigureAwait(false)) list.Add((reader.GetString(0), reader.GetGuid(1), reader.GetString(2)));
                return list;
            }, cancellationToken).ConfigureAwait(false);
        foreach (var (name, teamId, ports) in holders)
        {
            foreach (var text in JsonSerializer.Deserialize<string[]>(ports) ?? [])
            {
                if (!PortMapping.TryParse(text, out var held, out _) || wanted.FirstOrDefault(w => w.Clashes(held)) is not { } clash) continue;
                var holder = caller.CanView(teamId) ? $"container {name}" : "a container of another team";
                throw ControlPlaneException.Conflict($"ports: host port {clash.HostIp}:{clash.HostPort}/{clash.Protocol} is already published by {holder} ({held}) on node {nodeId}");
            }
        }
    }

    /// <summary>The node's live containers that publish ports (the index on node and state finds them).</summary>
    private const string HoldersSql = """
        SELECT "Name", "TeamId", ("Spec"->'ports')::text FROM containers
        WHERE "NodeId" = $1 AND "Id" <> $2 AND "RemovedAt" IS NULL AND "State" IN ('pending', 'running', 'restarting')
          AND jsonb_typeof("Spec"->'ports') = 'array' AND jsonb_array_length("Spec"->'ports') > 0
        """;
}
