using Berth.ControlPlane;
using Berth.ControlPlane.Usage;
using Berth.Ui.Components.Pages;
using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Ui.Tests.Components.Pages;

public sealed class UsageTests : UiTestContext
{
    public UsageTests() => Services.AddSingleton<IUsageClient>(UsageFigures);

    private FakeUsageClient UsageFigures { get; } = new();

    private static UsageRow Row(string name, double cpu, double gb, double hours) => new(Guid.NewGuid(), name, null, null, cpu, gb, hours, 1024, 2048);

    [Fact]
    public void Render_ByTeam_TableChartAndSevenDays()
    {
        UsageFigures.Rows[UsageGrouping.Team] = [Row("blue", 1.5, 0.25, 3), Row("red", 0, 0, 0.5)];
        RenderProviders();

        var cut = Render<Usage>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=usage-row]").Count));
        var blue = cut.FindAll("[data-testid=usage-row]")[0].QuerySelectorAll("td").Select(td => td.TextContent).ToArray();
        Assert.Equal(["blue", "1.5", "0.25", "3", "1 KiB", "2 KiB"], blue);
        Assert.Contains("Team", cut.Find("[data-testid=usage-table] thead").TextContent);
        Assert.NotEmpty(cut.FindAll("[data-testid=usage-chart]"));
        var (by, from, to) = Assert.Single(UsageFigures.Queries);
        Assert.Equal(UsageGrouping.Team, by);
        Assert.Equal(TimeSpan.FromDays(7), to - from);
        Assert.StartsWith("/api/v1/usage.csv?by=team&from=", cut.Find("a[data-testid=usage-csv]").GetAttribute("href"), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NoUsage_SaysSoWithoutChart()
    {
        RenderProviders();

        var cut = Render<Usage>();

        cut.WaitForAssertion(() => Assert.Contains("No usage recorded", cut.Find("[data-testid=usage-empty]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=usage-chart]"));
        Assert.Empty(cut.FindAll("[data-testid=usage-row]"));
    }

    [Fact]
    public void ByUserAnd24h_Chosen_QueriesThemAndLinksTheCsv()
    {
        UsageFigures.Rows[UsageGrouping.User] = [Row("ada", 0.5, 0.1, 1)];
        RenderProviders();
        var cut = Render<Usage>();
        cut.WaitForAssertion(() => Assert.Single(UsageFigures.Queries));
        Assert.Equal(["usage-by-team", "usage-range-7d"], Pressed(cut));

        cut.Find("[data-testid=usage-by-user]").Click();
        cut.Find("[data-testid=usage-range-24h]").Click();

        cut.WaitForAssertion(() => Assert.Equal(3, UsageFigures.Queries.Count));
        var (by, from, to) = UsageFigures.Queries.Last();
        Assert.Equal(UsageGrouping.User, by);
        Assert.Equal(TimeSpan.FromHours(24), to - from);
        Assert.Equal("ada", cut.Find("[data-testid=usage-row] td").TextContent);
        Assert.Contains("User", cut.Find("[data-testid=usage-table] thead").TextContent);
        Assert.StartsWith("/api/v1/usage.csv?by=user&from=", cut.Find("a[data-testid=usage-csv]").GetAttribute("href"), StringComparison.Ordinal);
        Assert.Equal(["usage-by-user", "usage-range-24h"], Pressed(cut));
    }

    /// <summary>The choice buttons shown as chosen.</summary>
    private static string[] Pressed(IRenderedComponent<Usage> cut)
        => cut.FindAll("[aria-pressed=true]").Select(b => b.GetAttribute("data-testid") ?? "").ToArray();

    [Fact]
    public void Custom_NoDaysYet_AsksForThemAndQueriesNothing()
    {
        RenderProviders();
        var cut = Render<Usage>();
        cut.WaitForAssertion(() => Assert.Single(UsageFigures.Queries));

        cut.Find("[data-testid=usage-range-custom]").Click();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=usage-pick]")));
        Assert.NotEmpty(cut.FindAll("[data-testid=usage-from]"));
        Assert.Single(UsageFigures.Queries);
        Assert.Null(cut.Find("[data-testid=usage-csv]").GetAttribute("href"));
    }

    [Fact]
    public void Render_Failure_ShowsTheServicesMessage()
    {
        UsageFigures.Failure = ControlPlaneException.Invalid("from must be before to");
        RenderProviders();

        var cut = Render<Usage>();

        cut.WaitForAssertion(() => Assert.Contains("from must be before to", cut.Find("[data-testid=usage-error]").TextContent));
    }
}
