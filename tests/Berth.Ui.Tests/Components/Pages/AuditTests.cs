using Berth.ControlPlane;
using Berth.ControlPlane.Audit;
using Berth.Ui.Components.Pages;
using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Ui.Tests.Components.Pages;

public sealed class AuditTests : UiTestContext
{
    public AuditTests() => Services.AddSingleton<IAuditClient>(AuditTrail);

    private FakeAuditClient AuditTrail { get; } = new();

    private static AuditEntryView Entry(long id, string action, string outcome = AuditRecord.Allowed, string actor = "ada")
        => new(id, Samples.T0.AddMinutes(id), Guid.NewGuid(), actor, action, "container", "web", FakeSessionClient.TeamId, FakeSessionClient.TeamName,
            "127.0.0.1", outcome, null, "prev", "hash");

    private static string[] Actions(IRenderedComponent<Audit> cut)
        => cut.FindAll("[data-testid=audit-entry-action]").Select(e => e.TextContent).ToArray();

    [Fact]
    public void Render_Entries_RowsWithActorActionTeamAndOutcome()
    {
        AuditTrail.FirstPage = new([Entry(2, "container.stop", AuditRecord.Denied, "bob"), Entry(1, "container.create")], null);
        RenderProviders();

        var cut = Render<Audit>();

        cut.WaitForAssertion(() => Assert.Equal(["container.stop", "container.create"], Actions(cut)));
        var stop = cut.FindAll("[data-testid=audit-grid] tbody tr")[0];
        Assert.Contains("bob", stop.TextContent);
        Assert.Contains(FakeSessionClient.TeamName, stop.TextContent);
        Assert.Contains("denied", stop.QuerySelector(".mud-chip")!.TextContent);
        Assert.Empty(cut.FindAll("[data-testid=audit-more]"));
        Assert.Equal("/api/v1/audit.csv", cut.Find("a[data-testid=audit-csv]").GetAttribute("href"));
    }

    [Fact]
    public void LoadOlder_NextPage_AppendsIt()
    {
        AuditTrail.FirstPage = new([Entry(3, "container.stop")], 3);
        AuditTrail.PagesBefore[3] = new([Entry(2, "container.start")], null);
        RenderProviders();
        var cut = Render<Audit>();
        cut.WaitForAssertion(() => Assert.Equal(["container.stop"], Actions(cut)));

        cut.Find("[data-testid=audit-more]").Click();

        cut.WaitForAssertion(() => Assert.Equal(["container.stop", "container.start"], Actions(cut)));
        Assert.Equal(3, AuditTrail.Filters.Last().Before);
        Assert.Empty(cut.FindAll("[data-testid=audit-more]"));
    }

    [Fact]
    public void Apply_FilterTyped_SendsItAndLinksTheCsvToIt()
    {
        RenderProviders();
        var cut = Render<Audit>();
        cut.WaitForAssertion(() => Assert.Single(AuditTrail.Filters));

        cut.Find("input[data-testid=audit-actor]").Change("bob");
        cut.Find("input[data-testid=audit-action]").Change("container.*");
        cut.Find("input[data-testid=audit-team]").Change("blue");
        cut.Find("[data-testid=audit-apply]").Click();

        cut.WaitForAssertion(() => Assert.Equal(2, AuditTrail.Filters.Count));
        Assert.Equal(new AuditFilter(Actor: "bob", Action: "container.*", Team: "blue"), AuditTrail.Filters.Last());
        Assert.Equal("/api/v1/audit.csv?actor=bob&action=container.%2A&team=blue", cut.Find("a[data-testid=audit-csv]").GetAttribute("href"));
    }

    [Fact]
    public void Render_Refused_ShowsTheServicesMessageAndNoGrid()
    {
        AuditTrail.ListFailure = new ControlPlaneException(ProblemKind.Forbidden, "ada may not read any audit trail");
        RenderProviders();

        var cut = Render<Audit>();

        cut.WaitForAssertion(() => Assert.Contains("ada may not read any audit trail", cut.Find("[data-testid=audit-error]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=audit-grid]"));
    }

    [Fact]
    public void Verify_ChainIntact_ShowsCount()
    {
        AuditTrail.Verification = new AuditVerification(true, 42, null, null, null);
        RenderProviders();
        var cut = Render<Audit>();

        cut.Find("[data-testid=audit-verify]").Click();

        cut.WaitForAssertion(() => Assert.Equal("Chain intact: 42 entries checked.", cut.Find("[data-testid=audit-verification]").TextContent.Trim()));
        Assert.Contains("mud-alert-text-success", cut.Find("[data-testid=audit-verification]").ClassName);
    }

    [Fact]
    public void Verify_ChainBroken_ShowsWhere()
    {
        AuditTrail.Verification = new AuditVerification(false, 9, 10, "hash mismatch", null);
        RenderProviders();
        var cut = Render<Audit>();

        cut.Find("[data-testid=audit-verify]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Chain broken at entry 10: hash mismatch", cut.Find("[data-testid=audit-verification]").TextContent));
        Assert.Contains("mud-alert-text-error", cut.Find("[data-testid=audit-verification]").ClassName);
    }

    [Fact]
    public void Verify_Refused_ShowsTheServicesMessage()
    {
        AuditTrail.VerifyFailure = new ControlPlaneException(ProblemKind.Forbidden, "ada may not verify the audit trail: admins and auditors only");
        RenderProviders();
        var cut = Render<Audit>();

        cut.Find("[data-testid=audit-verify]").Click();

        cut.WaitForAssertion(() => Assert.Contains("admins and auditors only", cut.Find("[data-testid=audit-verify-error]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=audit-verification]"));
    }
}
