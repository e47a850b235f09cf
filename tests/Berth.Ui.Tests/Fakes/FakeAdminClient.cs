using System.Collections.Concurrent;
using Berth.ControlPlane;
using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Nodes;
using Berth.ControlPlane.Teams;
using Berth.Ui.Model;

namespace Berth.Ui.Tests.Fakes;

/// <summary>Users, teams, members, quotas and nodes held in memory; every change asked for is recorded.</summary>
public sealed class FakeAdminClient : IAdminClient
{
    public List<UserView> Users { get; } = [];

    public List<TeamView> Teams { get; } = [];

    public Dictionary<Guid, List<MemberView>> Members { get; } = [];

    public Dictionary<Guid, QuotaView> Quotas { get; } = [];

    public List<NodeView> Nodes { get; } = [];

    /// <summary>When set, every change throws it.</summary>
    public ControlPlaneException? Failure { get; set; }

    /// <summary>When set, reads throw it.</summary>
    public ControlPlaneException? ReadFailure { get; set; }

    public ConcurrentQueue<(string Action, object? Subject, object? Request)> Changes { get; } = new();

    public Task<IReadOnlyList<UserView>> UsersAsync(CancellationToken cancellationToken) => Read<IReadOnlyList<UserView>>(Users.ToList());

    public Task<UserView> CreateUserAsync(CreateUserRequest request, CancellationToken cancellationToken)
    {
        Change("user.create", request.Username, request);
        var user = new UserView(Guid.NewGuid(), request.Username!, request.Role ?? "none", false, Samples.T0, [], 1);
        Users.Add(user);
        return Task.FromResult(user);
    }

    public Task<UserView> UpdateUserAsync(Guid id, UpdateUserRequest request, CancellationToken cancellationToken)
    {
        Change("user.update", id, request);
        var i = Users.FindIndex(u => u.Id == id);
        Users[i] = Users[i] with { Disabled = request.Disabled ?? Users[i].Disabled, Role = request.Role ?? Users[i].Role, Version = Users[i].Version + 1 };
        return Task.FromResult(Users[i]);
    }

    public Task<IReadOnlyList<TeamView>> TeamsAsync(CancellationToken cancellationToken) => Read<IReadOnlyList<TeamView>>(Teams.ToList());

    public Task<TeamView> CreateTeamAsync(string name, CancellationToken cancellationToken)
    {
        Change("team.create", name, null);
        var team = new TeamView(Guid.NewGuid(), name, Samples.T0, 0, null);
        Teams.Add(team);
        return Task.FromResult(team);
    }

    public Task DeleteTeamAsync(Guid id, CancellationToken cancellationToken)
    {
        Change("team.delete", id, null);
        Teams.RemoveAll(t => t.Id == id);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<MemberView>> MembersAsync(Guid teamId, CancellationToken cancellationToken)
        => Read<IReadOnlyList<MemberView>>(Members.GetValueOrDefault(teamId, []).ToList());

    public Task<MemberView> SetMemberAsync(Guid teamId, string user, string role, CancellationToken cancellationToken)
    {
        Change("member.set", (teamId, user), role);
        var members = Members.TryGetValue(teamId, out var m) ? m : Members[teamId] = [];
        members.RemoveAll(x => x.Username == user);
        var member = new MemberView(Guid.NewGuid(), user, role, false);
        members.Add(member);
        return Task.FromResult(member);
    }

    public Task RemoveMemberAsync(Guid teamId, string user, CancellationToken cancellationToken)
    {
        Change("member.remove", (teamId, user), null);
        Members.GetValueOrDefault(teamId)?.RemoveAll(x => x.Username == user);
        return Task.CompletedTask;
    }

    public Task<QuotaView> QuotaAsync(Guid teamId, CancellationToken cancellationToken)
        => Read(Quotas.TryGetValue(teamId, out var q) ? q : new QuotaView(teamId, Teams.Single(t => t.Id == teamId).Name, null, null, null, null, new QuotaUse(0, 0, 0, 0), null));

    public Task<QuotaView> SetQuotaAsync(Guid teamId, QuotaRequest request, CancellationToken cancellationToken)
    {
        Change("quota.set", teamId, request);
        var name = Teams.Single(t => t.Id == teamId).Name;
        var used = Quotas.TryGetValue(teamId, out var old) ? old.Used : new QuotaUse(0, 0, 0, 0);
        var quota = new QuotaView(teamId, name, request.MaxContainers, request.MaxCpus, request.MaxMemoryBytes, request.MaxPids, used, (old?.Version ?? 0) + 1);
        Quotas[teamId] = quota;
        return Task.FromResult(quota);
    }

    public Task<IReadOnlyList<NodeView>> NodesAsync(CancellationToken cancellationToken) => Read<IReadOnlyList<NodeView>>(Nodes.ToList());

    private void Change(string action, object? subject, object? request)
    {
        Changes.Enqueue((action, subject, request));
        if (Failure is { } e) throw e;
    }

    private Task<T> Read<T>(T value) => ReadFailure is { } e ? throw e : Task.FromResult(value);
}
