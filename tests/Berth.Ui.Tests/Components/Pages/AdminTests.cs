using Berth.ControlPlane;
using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Nodes;
using Berth.ControlPlane.Teams;
using Berth.Data.Entities;
using Berth.Ui.Components.Controls;
using Berth.Ui.Components.Pages;
using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Ui.Tests.Components.Pages;

/// <summary>The Admin page and its tabs (Users, Teams, Quotas, Nodes), each rendered over a fake admin client.</summary>
public sealed class AdminTests : UiTestContext
{
    private readonly FakeAdminClient _admin = new();

    public AdminTests()
    {
        Services.AddSingleton<IAdminClient>(_admin);
        Session.Caller = FakeSessionClient.Member(TeamRole.Member, GlobalRole.Admin);
    }

    private static UserView User(string name, bool disabled = false) => new(Guid.NewGuid(), name, "none", disabled, Samples.T0, [new UserTeamView(FakeSessionClient.TeamId, "alpha", "member")], 3);

    [Fact]
    public void Render_NotAdmin_RefusedWithoutReadingAnything()
    {
        Session.Caller = FakeSessionClient.Member(TeamRole.Owner);
        _admin.ReadFailure = ControlPlaneException.NotFound("should not be read");
        RenderProviders();

        var cut = Render<Admin>();

        cut.WaitForAssertion(() => Assert.Contains("This page is for admins", cut.Find("[data-testid=admin-refused]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=admin-tabs]"));
        Assert.Empty(cut.FindAll("[data-testid=users-table]"));
    }

    [Fact]
    public void Render_Admin_UsersTabListsUsers()
    {
        _admin.Users.Add(User("ada"));
        RenderProviders();

        var cut = Render<Admin>();

        cut.WaitForAssertion(() => Assert.Contains("ada", cut.Find("[data-testid=users-table]").TextContent));
        Assert.Contains("alpha: member", cut.Find("[data-testid=users-table]").TextContent);
        Assert.Equal("enabled", cut.Find("[data-testid=user-row-state]").TextContent);
    }

    [Fact]
    public void AdminNavLink_ShownToAdminsOnly()
    {
        Assert.NotEmpty(Render<AdminNavLink>().FindAll("[data-testid=nav-admin]"));
        Session.Caller = FakeSessionClient.Member(TeamRole.Owner);
        Assert.Empty(Render<AdminNavLink>().FindAll("[data-testid=nav-admin]"));
    }

    [Fact]
    public void Users_Create_SendsNamePasswordRoleAndListsTheUser()
    {
        RenderProviders();
        var cut = Render<AdminUsers>();

        cut.Find("input[data-testid=user-name]").Change("quinn");
        cut.Find("input[data-testid=user-password]").Change("quinn-password-1");
        cut.Find("[data-testid=user-create]").Click();

        cut.WaitForAssertion(() => Assert.Contains("quinn", cut.Find("[data-testid=users-table]").TextContent));
        var r = Assert.IsType<CreateUserRequest>(_admin.Changes.Single().Request);
        Assert.Equal(("quinn", "quinn-password-1", "none"), (r.Username, r.Password, r.Role));
    }

    [Fact]
    public void Users_CreateRefused_ShowsTheMessage()
    {
        _admin.Failure = ControlPlaneException.Invalid("a password needs at least 12 characters");
        RenderProviders();
        var cut = Render<AdminUsers>();

        cut.Find("input[data-testid=user-name]").Change("quinn");
        cut.Find("input[data-testid=user-password]").Change("short");
        cut.Find("[data-testid=user-create]").Click();

        cut.WaitForAssertion(() => Assert.Equal("a password needs at least 12 characters", cut.Find("[data-testid=users-error]").TextContent));
    }

    [Fact]
    public void Users_DisableConfirmed_SendsDisabledWithTheVersion()
    {
        var ada = User("ada");
        _admin.Users.Add(ada);
        var dialogs = RenderProviders();
        var cut = Render<AdminUsers>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=user-row-toggle]"));

        cut.Find("[data-testid=user-row-toggle]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Disable ada?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Disable").Click();

        cut.WaitForAssertion(() => Assert.Equal("disabled", cut.Find("[data-testid=user-row-state]").TextContent));
        var r = Assert.IsType<UpdateUserRequest>(_admin.Changes.Single().Request);
        Assert.Equal((true, 3u), (r.Disabled, r.Version));
        Assert.Equal("Enable", cut.Find("[data-testid=user-row-toggle]").TextContent.Trim());
    }

    [Fact]
    public void Teams_CreateThenAddMember_SendsBothAndShowsTheMember()
    {
        RenderProviders();
        var cut = Render<AdminTeams>();

        cut.Find("input[data-testid=team-name]").Change("indigo");
        cut.Find("[data-testid=team-create]").Click();
        cut.WaitForAssertion(() => Assert.Contains("Members of indigo", cut.Find("[data-testid=members]").TextContent));
        cut.Find("input[data-testid=member-name]").Change("quinn");
        cut.Find("[data-testid=member-add]").Click();

        cut.WaitForAssertion(() => Assert.Contains("quinn", cut.Find("[data-testid=members-table]").TextContent));
        Assert.Equal(["team.create", "member.set"], _admin.Changes.Select(c => c.Action));
        Assert.Equal("member", _admin.Changes.Last().Request);
    }

    [Fact]
    public void Teams_DeleteRefused_ShowsWhyAndKeepsTheTeam()
    {
        _admin.Teams.Add(new TeamView(Guid.NewGuid(), "indigo", Samples.T0, 1, null));
        _admin.Failure = ControlPlaneException.Conflict("team indigo still has 1 container(s) (web): remove them first");
        var dialogs = RenderProviders();
        var cut = Render<AdminTeams>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=team-row-delete]"));

        cut.Find("[data-testid=team-row-delete]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Delete team indigo?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete").Click();

        cut.WaitForAssertion(() => Assert.Contains("remove them first", cut.Find("[data-testid=teams-error]").TextContent));
        Assert.Contains("indigo", cut.Find("[data-testid=teams-table]").TextContent);
    }

    [Fact]
    public void Teams_RemoveMemberConfirmed_Removes()
    {
        var team = new TeamView(Guid.NewGuid(), "indigo", Samples.T0, 1, null);
        _admin.Teams.Add(team);
        _admin.Members[team.Id] = [new MemberView(Guid.NewGuid(), "quinn", "member", false)];
        var dialogs = RenderProviders();
        var cut = Render<AdminTeams>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=team-row-name] a, [data-testid=team-row-name] .mud-link"));
        cut.Find("[data-testid=team-row-name] .mud-link").Click();
        cut.WaitForAssertion(() => Assert.Contains("quinn", cut.Find("[data-testid=members-table]").TextContent));

        cut.Find("[data-testid=member-row-remove]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Remove quinn from indigo?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Remove").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=member-row]")));
        Assert.Equal("member.remove", _admin.Changes.Single().Action);
    }

    private IRenderedComponent<AdminQuotas> RenderQuotaOf(TeamView team)
    {
        RenderProviders();
        var cut = Render<AdminQuotas>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=quota-team]"));
        cut.InvokeAsync(() => cut.FindComponent<MudBlazor.MudSelect<Guid?>>().Instance.ValueChanged.InvokeAsync(team.Id));
        cut.WaitForAssertion(() => cut.Find("[data-testid=quota-save]"));
        return cut;
    }

    [Fact]
    public void Quotas_Team_ShowsLimitsAndUse()
    {
        var team = new TeamView(Guid.NewGuid(), "indigo", Samples.T0, 1, null);
        _admin.Teams.Add(team);
        _admin.Quotas[team.Id] = new QuotaView(team.Id, "indigo", 3, 2, 512L << 20, null, new QuotaUse(1, 0.5, 64L << 20, 4), 2);

        var cut = RenderQuotaOf(team);

        Assert.Equal("3", cut.Find("input[data-testid=quota-containers]").GetAttribute("value"));
        Assert.Equal("512", cut.Find("input[data-testid=quota-memory]").GetAttribute("value"));
        Assert.Contains("1 / 3", cut.Find("[data-testid=quota-used]").TextContent);
        Assert.Contains("64 MiB / 512 MiB", cut.Find("[data-testid=quota-used]").TextContent);
        Assert.Contains("4 (unlimited)", cut.Find("[data-testid=quota-used]").TextContent);
    }

    [Fact]
    public void Quotas_Save_SendsLimitsAndTheVersionRead()
    {
        var team = new TeamView(Guid.NewGuid(), "indigo", Samples.T0, 1, null);
        _admin.Teams.Add(team);
        _admin.Quotas[team.Id] = new QuotaView(team.Id, "indigo", 3, null, null, null, new QuotaUse(0, 0, 0, 0), 2);
        var cut = RenderQuotaOf(team);

        cut.Find("input[data-testid=quota-containers]").Change("5");
        cut.Find("input[data-testid=quota-memory]").Change("256");
        cut.Find("[data-testid=quota-save]").Click();

        cut.WaitForAssertion(() => Assert.Contains("0 / 5", cut.Find("[data-testid=quota-used]").TextContent));
        var r = Assert.IsType<QuotaRequest>(_admin.Changes.Single().Request);
        Assert.Equal((5, 256L << 20, 2u), (r.MaxContainers, r.MaxMemoryBytes, r.Version));
    }

    [Fact]
    public void Quotas_ChangedMeanwhile_ShowsTheRefusalAndKeepsTheForm()
    {
        var team = new TeamView(Guid.NewGuid(), "indigo", Samples.T0, 1, null);
        _admin.Teams.Add(team);
        _admin.Failure = ControlPlaneException.Conflict("the quota of team indigo was changed since version 1; read it again");
        var cut = RenderQuotaOf(team);

        cut.Find("input[data-testid=quota-containers]").Change("5");
        cut.Find("[data-testid=quota-save]").Click();

        cut.WaitForAssertion(() => Assert.Contains("changed since version 1", cut.Find("[data-testid=quota-error]").TextContent));
        Assert.Equal("5", cut.Find("input[data-testid=quota-containers]").GetAttribute("value"));
    }

    [Fact]
    public void Nodes_ListsStateHeartbeatAndCapacity()
    {
        _admin.Nodes.Add(new NodeView("node-1", "host-a", 8, 16L << 30, "0.1.0", Samples.T0, Samples.T0, 2, true));
        _admin.Nodes.Add(new NodeView("node-2", "host-b", 4, 8L << 30, "0.1.0", Samples.T0, Samples.T0, 0, false));

        var cut = Render<AdminNodes>();

        cut.WaitForAssertion(() => Assert.Equal(["alive", "not responding"], cut.FindAll("[data-testid=node-state]").Select(e => e.TextContent)));
        Assert.Contains("16 GiB", cut.Find("[data-testid=nodes-table]").TextContent);
        Assert.Contains("host-a", cut.Find("[data-testid=nodes-table]").TextContent);
    }
}
