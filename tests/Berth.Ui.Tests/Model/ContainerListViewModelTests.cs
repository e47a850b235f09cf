using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;

namespace Berth.Ui.Tests.Model;

public sealed class ContainerListViewModelTests
{
    private static readonly Guid WebId = Guid.Parse("abcdef01-0000-0000-0000-000000000001");

    private static ContainerListViewModel Loaded()
    {
        var vm = new ContainerListViewModel();
        vm.Load(
        [
            Samples.Container("web", "running", team: "alpha", owner: "ada", image: "nginx:1.27", id: WebId),
            Samples.Container("db", "exited", team: "beta", owner: "bob", image: "postgres:17"),
            Samples.Container("cache", "running", team: "beta", owner: "carol", image: "redis:7"),
        ]);
        return vm;
    }

    private static string[] Names(ContainerListViewModel vm) => vm.Filtered.Select(r => r.View.Name).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Filtered_NoFilter_AllRows()
    {
        Assert.Equal(["cache", "db", "web"], Names(Loaded()));
    }

    [Theory]
    [InlineData("WEB", new[] { "web" })]
    [InlineData("postgres", new[] { "db" })]
    [InlineData("beta", new[] { "cache", "db" })]
    [InlineData("carol", new[] { "cache" })]
    [InlineData("ABCDEF01", new[] { "web" })]
    [InlineData("  web  ", new[] { "web" })]
    [InlineData("nothing", new string[0])]
    public void Filtered_Search_MatchesNameImageTeamOwnerOrIdPrefix(string search, string[] expected)
    {
        var vm = Loaded();
        vm.Search = search;

        Assert.Equal(expected, Names(vm));
    }

    [Fact]
    public void Filtered_SearchInsideId_NoMatch()
    {
        var vm = Loaded();
        vm.Search = "0000-000000000001";

        Assert.Empty(vm.Filtered);
    }

    [Fact]
    public void Filtered_StateTeamImage_AllApply()
    {
        var vm = Loaded();
        vm.State = "running";
        Assert.Equal(["cache", "web"], Names(vm));

        vm.Team = "beta";
        Assert.Equal(["cache"], Names(vm));

        vm.Image = "nginx:1.27";
        Assert.Empty(Names(vm));
    }

    [Fact]
    public void States_Rows_DistinctSorted()
    {
        var vm = Loaded();

        Assert.Equal(["exited", "running"], vm.States);
        Assert.Equal(["alpha", "beta"], vm.Teams);
        Assert.Equal(["nginx:1.27", "postgres:17", "redis:7"], vm.Images);
    }

    [Fact]
    public void Load_SurvivingRow_KeepsStatsAndTakesNewView()
    {
        var vm = Loaded();
        var dbId = vm.Rows.Single(r => r.View.Name == "db").Id;
        vm.ApplyStats(new Dictionary<Guid, Berth.ControlPlane.Live.ContainerStatsSample> { [WebId] = Samples.Stats(WebId, Samples.T0, cpu: 42) });

        vm.Load([Samples.Container("web", "restarting", id: WebId), Samples.Container("new", "created")]);

        var web = vm.Rows.Single(r => r.Id == WebId);
        Assert.Equal(42, web.Cpu);
        Assert.Equal("restarting", web.View.State);
        Assert.Equal(-1, vm.Rows.Single(r => r.View.Name == "new").Cpu);
        Assert.DoesNotContain(vm.Rows, r => r.Id == dbId);
        Assert.Equal(2, vm.Rows.Count);
    }

    [Fact]
    public void ApplyStats_RowWithoutSample_LosesItsStats()
    {
        var vm = Loaded();
        vm.ApplyStats(new Dictionary<Guid, Berth.ControlPlane.Live.ContainerStatsSample> { [WebId] = Samples.Stats(WebId, Samples.T0, cpu: 7, memory: 1024) });
        var web = vm.Rows.Single(r => r.Id == WebId);
        Assert.Equal(7, web.Cpu);
        Assert.Equal(1024, web.Memory);

        vm.ApplyStats(new Dictionary<Guid, Berth.ControlPlane.Live.ContainerStatsSample>());

        Assert.Null(web.Stats);
        Assert.Equal(-1, web.Cpu);
        Assert.Equal(-1, web.Memory);
    }

    [Theory]
    [InlineData(BulkAction.Start, new[] { "created", "exited", "failed" })]
    [InlineData(BulkAction.Stop, new[] { "pending", "restarting", "running" })]
    [InlineData(BulkAction.Remove, new[] { "created", "exited", "failed", "pending", "restarting", "running" })]
    public void Eligible_Action_OnlyRowsItAppliesTo(BulkAction action, string[] expected)
    {
        var rows = new[] { "running", "pending", "restarting", "exited", "failed", "created" }
            .Select(s => new ContainerRow(Samples.Container(s, s, desired: s is "running" or "pending" or "restarting" ? "running" : "stopped")))
            .ToList();

        var eligible = ContainerListViewModel.Eligible(rows, action);

        Assert.Equal(expected, eligible.Select(r => r.View.State).Order(StringComparer.Ordinal));
    }
}
