using Berth.ControlPlane.Audit;
using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Security;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Engine;
using Berth.Networking;
using Microsoft.EntityFrameworkCore;

namespace Berth.ControlPlane.Networks;

/// <summary>
/// Each team's own bridge network on each node (a definition's <c>network: team</c>): made on the node by the first
/// launch that needs it, with a subnet from the engine's allocator, and recorded in <c>team_networks</c>. The
/// engine's rules keep networks apart, so one team's containers cannot reach another's; within a network the
/// containers know each other by their control-plane names. A network stays while its team exists (also with no
/// container on it) and is removed from its nodes when the team is deleted.
/// </summary>
public sealed class TeamNetworks(IDbContextFactory<BerthDbContext> dbFactory, NodeEngine node, AuditLog audit)
{
    /// <summary>The label on the engine's network that names its team's id.</summary>
    public const string TeamLabel = "berth.team";

    /// <summary>
    /// The name of team <paramref name="teamId"/>'s network on every node: from its id, not its name, so that a team
    /// made later under a deleted team's name never finds the old team's network.
    /// </summary>
    public static string NameFor(Guid teamId) => "team-" + teamId.ToString("N");

    /// <summary>
    /// Makes team <paramref name="teamId"/>'s network on this node when it has none (two launches at once make one),
    /// and records it (audited as <c>network.create</c> by the system) when the database does not know it yet.
    /// Returns its name.
    /// </summary>
    /// <exception cref="EngineException">The engine could not make it (no free subnet, say), or a network of that name belongs to no team or another.</exception>
    public async Task<string> EnsureAsync(Guid teamId, CancellationToken cancellationToken)
    {
        var name = NameFor(teamId);
        var networks = node.Engine.Networks;
        Network network;
        try
        {
            network = networks.TryFind(name) ?? Create(networks, name, teamId);
        }
        catch (NetworkException e)
        {
            throw new EngineException($"team network {name}: {e.Message}", e);
        }
        if (!network.Labels.TryGetValue(TeamLabel, out var owner) || owner != teamId.ToString())
            throw new EngineException($"network {name} on node {node.NodeId} was not made for team {teamId}; remove it (berth network rm {name})");
        await RecordAsync(teamId, network, cancellationToken).ConfigureAwait(false);
        return name;
    }

    private static Network Create(NetworkManager networks, string name, Guid teamId)
    {
        try
        {
            return networks.Create(name, null, null, new Dictionary<string, string> { [TeamLabel] = teamId.ToString() });
        }
        catch (NetworkException) when (networks.TryFind(name) is { } madeMeanwhile)
        {
            // Another launch of the team made it first.
            return madeMeanwhile;
        }
    }

    private async Task RecordAsync(Guid teamId, Network network, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        // Known already: the usual case, one read and no lock.
        if (await db.TeamNetworks.AnyAsync(n => n.TeamId == teamId && n.NodeId == node.NodeId && n.NetworkId == network.Id, cancellationToken).ConfigureAwait(false)) return;
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var recorded = await LockedReads.RunAsync(db, "team-network:" + teamId + ":" + node.NodeId,
            [("""SELECT "Id", "NetworkId" FROM team_networks WHERE "TeamId" = $1 AND "NodeId" = $2""", [teamId, node.NodeId])],
            async (reader, ct) => await reader.ReadAsync(ct).ConfigureAwait(false) ? (reader.GetGuid(0), reader.GetString(1)) : ((Guid, string)?)null,
            cancellationToken).ConfigureAwait(false);
        if (recorded is { Item2: var known } && known == network.Id) return;
        // The team may have been deleted meanwhile: its network is then left to the deletion's removal.
        if (!await db.Teams.AnyAsync(t => t.Id == teamId, cancellationToken).ConfigureAwait(false)) return;
        var row = new TeamNetwork
        {
            TeamId = teamId, NodeId = node.NodeId, Name = network.Name, NetworkId = network.Id, Bridge = network.Bridge,
            Subnet = network.Subnet, Gateway = network.Gateway, CreatedAt = network.Created,
        };
        db.TeamNetworks.Add(row);
        await audit.CommitAsync(db, new AuditRecord(Caller.System, "network.create", "network", row.Id.ToString(), teamId, AuditRecord.Allowed,
            $"{network.Name} {network.Subnet} on node {node.NodeId}"), cancellationToken,
            // A network made again on the node (removed there by hand) replaces its old row.
            beforeSave: recorded is { Item1: var rowId } ? () => db.TeamNetworks.Where(n => n.Id == rowId).ExecuteDeleteAsync(cancellationToken) : null).ConfigureAwait(false);
    }

    /// <summary>Removes network <paramref name="name"/> from this node (its team was deleted); nothing to do when it is gone.</summary>
    /// <exception cref="EngineException">A live container is still on it, or its rules could not be rewritten.</exception>
    public void RemoveFromNode(string name)
    {
        var networks = node.Engine.Networks;
        if (networks.TryFind(name) is null) return;
        try { networks.Remove(name, node.Engine.IsLive); }
        catch (NetworkException e) when (networks.TryFind(name) is not null) { throw new EngineException($"team network {name}: {e.Message}", e); }
        catch (NetworkException) { }
    }

    /// <summary>The team networks the caller may see (those of their teams; all for admins and auditors), by team and node, with the containers on each.</summary>
    public async Task<IReadOnlyList<NetworkView>> ListAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var query = db.TeamNetworks.AsNoTracking();
        if (caller.VisibleTeams is { } visible) query = query.Where(n => visible.Contains(n.TeamId));
        var rows = await query.Join(db.Teams, n => n.TeamId, t => t.Id, (n, t) => new { Network = n, Team = t.Name })
            .OrderBy(x => x.Team).ThenBy(x => x.Network.NodeId).ToListAsync(cancellationToken).ConfigureAwait(false);
        var teams = rows.Select(r => r.Network.TeamId).Distinct().ToList();
        // The network is in the definition (a JSON column): the teams' running containers are read, then sorted here.
        var running = await db.Containers.AsNoTracking()
            .Where(c => teams.Contains(c.TeamId) && c.RemovedAt == null && (c.State == ContainerState.Running || c.State == ContainerState.Restarting))
            .OrderBy(c => c.Name).ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.Select(r => new NetworkView(r.Network.Id, r.Network.Name, r.Network.TeamId, r.Team, r.Network.NodeId, r.Network.Subnet, r.Network.Gateway,
            r.Network.Bridge, r.Network.CreatedAt,
            running.Where(c => c.TeamId == r.Network.TeamId && c.NodeId == r.Network.NodeId && c.Spec.Network == SpecValidator.NetworkTeam)
                .Select(c => new NetworkContainerView(c.Id, c.Name, c.State, node.IpAddressOf(c), c.Spec.Ports)).ToList())).ToList();
    }
}
