using Berth.ControlPlane.Nodes;
using Berth.ControlPlane.Teams;

namespace Berth.Ui.Model;

/// <summary>
/// What the admin page manages: users, teams with their members and quotas, and the nodes. The host implements it
/// over the control plane as the circuit's user, who must be an admin for every change (the control plane checks);
/// a refusal, bad input or a change made meanwhile throws <see cref="Berth.ControlPlane.ControlPlaneException"/>.
/// </summary>
public interface IAdminClient
{
    Task<IReadOnlyList<UserView>> UsersAsync(CancellationToken cancellationToken);

    Task<UserView> CreateUserAsync(CreateUserRequest request, CancellationToken cancellationToken);

    /// <summary>Disables or enables the user, or sets their global role; refused when they changed since <see cref="UpdateUserRequest.Version"/>.</summary>
    Task<UserView> UpdateUserAsync(Guid id, UpdateUserRequest request, CancellationToken cancellationToken);

    Task<IReadOnlyList<TeamView>> TeamsAsync(CancellationToken cancellationToken);

    Task<TeamView> CreateTeamAsync(string name, CancellationToken cancellationToken);

    Task DeleteTeamAsync(Guid id, CancellationToken cancellationToken);

    Task<IReadOnlyList<MemberView>> MembersAsync(Guid teamId, CancellationToken cancellationToken);

    /// <summary>Adds <paramref name="user"/> (a user name or id) to the team with <paramref name="role"/>, or changes their role.</summary>
    Task<MemberView> SetMemberAsync(Guid teamId, string user, string role, CancellationToken cancellationToken);

    Task RemoveMemberAsync(Guid teamId, string user, CancellationToken cancellationToken);

    Task<QuotaView> QuotaAsync(Guid teamId, CancellationToken cancellationToken);

    /// <summary>Sets the team's quota; refused (conflict) when it changed since <see cref="QuotaRequest.Version"/>.</summary>
    Task<QuotaView> SetQuotaAsync(Guid teamId, QuotaRequest request, CancellationToken cancellationToken);

    Task<IReadOnlyList<NodeView>> NodesAsync(CancellationToken cancellationToken);
}
