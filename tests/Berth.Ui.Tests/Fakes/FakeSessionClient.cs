using Berth.ControlPlane.Security;
using Berth.Data.Entities;
using Berth.Ui.Model;

namespace Berth.Ui.Tests.Fakes;

/// <summary>A signed-in caller set by the test (by default a member of one team).</summary>
public sealed class FakeSessionClient : ISessionClient
{
    public static readonly Guid TeamId = Guid.Parse("7a1e0000-0000-0000-0000-000000000001");

    public const string TeamName = "alpha";

    public Caller Caller { get; set; } = Member(TeamRole.Member);

    public Task<Caller> CallerAsync(CancellationToken cancellationToken) => Task.FromResult(Caller);

    /// <summary>A user with <paramref name="role"/> in the team <see cref="TeamName"/>.</summary>
    public static Caller Member(TeamRole role, GlobalRole global = GlobalRole.None)
        => new(Guid.NewGuid(), "ada", global, new Dictionary<Guid, TeamRole> { [TeamId] = role }, "127.0.0.1")
        {
            TeamNames = new Dictionary<Guid, string> { [TeamId] = TeamName },
        };
}
