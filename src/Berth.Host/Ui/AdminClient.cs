using Berth.ControlPlane.Nodes;
using Berth.ControlPlane.Teams;
using Berth.Ui.Model;

namespace Berth.Host.Ui;

/// <summary>The admin page's users, teams, quotas and nodes, over the control plane's services, as the circuit's user.</summary>
public sealed class AdminClient(ISessionClient session, UserService users, TeamService teams, NodeService nodes) : IAdminClient
{
    public async Task<IReadOnlyList<UserView>> UsersAsync(CancellationToken cancellationToken)
        => await users.ListAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<UserView> CreateUserAsync(CreateUserRequest request, CancellationToken cancellationToken)
        => await users.CreateAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), request, cancellationToken).ConfigureAwait(false);

    public async Task<UserView> UpdateUserAsync(Guid id, UpdateUserRequest request, CancellationToken cancellationToken)
        => await users.UpdateAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id, request, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<TeamView>> TeamsAsync(CancellationToken cancellationToken)
        => await teams.ListAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<TeamView> CreateTeamAsync(string name, CancellationToken cancellationToken)
        => await teams.CreateAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), new CreateTeamRequest { Name = name }, cancellationToken).ConfigureAwait(false);

    public async Task DeleteTeamAsync(Guid id, CancellationToken cancellationToken)
        => await teams.DeleteAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<MemberView>> MembersAsync(Guid teamId, CancellationToken cancellationToken)
        => await teams.MembersAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), teamId, cancellationToken).ConfigureAwait(false);

    public async Task<MemberView> SetMemberAsync(Guid teamId, string user, string role, CancellationToken cancellationToken)
        => await teams.SetMemberAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), teamId, user, new MemberRequest { Role = role }, cancellationToken).ConfigureAwait(false);

    public async Task RemoveMemberAsync(Guid teamId, string user, CancellationToken cancellationToken)
        => await teams.RemoveMemberAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), teamId, user, cancellationToken).ConfigureAwait(false);

    public async Task<QuotaView> QuotaAsync(Guid teamId, CancellationToken cancellationToken)
        => await teams.QuotaAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), teamId, cancellationToken).ConfigureAwait(false);

    public async Task<QuotaView> SetQuotaAsync(Guid teamId, QuotaRequest request, CancellationToken cancellationToken)
        => await teams.SetQuotaAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), teamId, request, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<NodeView>> NodesAsync(CancellationToken cancellationToken)
        => await nodes.ListAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
}
