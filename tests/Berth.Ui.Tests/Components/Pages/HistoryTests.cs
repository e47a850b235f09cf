using Berth.ControlPlane;
using Berth.ControlPlane.Containers;
using Berth.Ui.Components.Pages;
using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Ui.Tests.Components.Pages;

public sealed class HistoryTests : UiTestContext
{
    public HistoryTests() => Services.AddSingleton<IRunHistoryClient>(History);

    private FakeRunHistoryClient History { get; } = new();

    private static HistoryRun Run(string container, DateTimeOffset? ended, int? exit, int? signal = null, bool oom = false, string? reason = null, string? by = "ada")
        => new(new RunView(Guid.NewGuid(), Guid.NewGuid(), container, FakeSessionClient.TeamId, "busybox:latest", by, Samples.T0, ended, exit, signal, oom, reason),
            FakeSessionClient.TeamName);

    [Fact]
    public void Render_NoRuns_EmptyGridAndBareCsvLink()
    {
        RenderProviders();
        var cut = Render<History>();

        cut.WaitForAssertion(() => Assert.Contains("No runs match the filter", cut.Find("[data-testid=history-empty]").TextContent));
        Assert.Equal("/api/v1/runs.csv", cut.Find("a[data-testid=history-csv]").GetAttribute("href"));
        Assert.Equal([new Berth.ControlPlane.History.RunFilter()], History.Filters);
    }

    [Fact]
    public void Render_Runs_RowsWithContainerTeamDurationExitAndReason()
    {
        var stopped = Run("web", Samples.T0.AddSeconds(90), null, signal: 15, reason: "stopped");
        History.Runs = [stopped, Run("batch", Samples.T0.AddMinutes(2), 137, oom: true, reason: "oom", by: null), Run("live", null, null)];
        RenderProviders();

        var cut = Render<History>();

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=history-grid] tbody tr").Count));
        var rows = cut.FindAll("[data-testid=history-grid] tbody tr");
        var web = rows.Single(r => r.TextContent.Contains("web", StringComparison.Ordinal));
        Assert.Equal($"/containers/{stopped.Run.ContainerId}", web.QuerySelector("a")!.GetAttribute("href"));
        Assert.Contains("busybox:latest", web.TextContent);
        Assert.Contains(FakeSessionClient.TeamName, web.TextContent);
        Assert.Contains("1 min 30 s", web.TextContent);
        Assert.Equal("signal 15", web.QuerySelector("[data-testid=run-exit]")!.TextContent);
        Assert.Equal("stopped", web.QuerySelector("[data-testid=run-reason]")!.TextContent);
        var batch = rows.Single(r => r.TextContent.Contains("batch", StringComparison.Ordinal));
        Assert.Equal("137 (OOM)", batch.QuerySelector("[data-testid=run-exit]")!.TextContent);
        Assert.Contains("policy", batch.TextContent);
        Assert.Contains("running", rows.Single(r => r.TextContent.Contains("live", StringComparison.Ordinal)).TextContent);
    }

    [Fact]
    public void Apply_FilterTyped_SendsItAndLinksTheCsvToIt()
    {
        RenderProviders();
        var cut = Render<History>();
        cut.WaitForAssertion(() => Assert.Single(History.Filters));

        cut.Find("input[data-testid=history-team]").Change("blue");
        cut.Find("input[data-testid=history-user]").Change("ada");
        cut.Find("input[data-testid=history-image]").Change("busybox:latest");
        cut.Find("[data-testid=history-apply]").Click();

        cut.WaitForAssertion(() => Assert.Equal(2, History.Filters.Count));
        var sent = History.Filters.Last();
        Assert.Equal(("blue", "ada", "busybox:latest"), (sent.Team, sent.User, sent.Image));
        Assert.Equal("/api/v1/runs.csv?team=blue&user=ada&image=busybox%3Alatest", cut.Find("a[data-testid=history-csv]").GetAttribute("href"));
    }

    [Fact]
    public void Apply_OneExitCodeChosen_SendsTheCode()
    {
        RenderProviders();
        var cut = Render<History>();
        cut.WaitForAssertion(() => Assert.Single(History.Filters));
        Assert.Empty(cut.FindAll("input[data-testid=history-exit-code]"));

        cut.InvokeAsync(() => cut.FindComponent<MudBlazor.MudSelect<string>>().Instance.ValueChanged.InvokeAsync(RunHistoryForm.OneCode));
        cut.WaitForAssertion(() => cut.Find("input[data-testid=history-exit-code]").Change("137"));
        cut.Find("[data-testid=history-apply]").Click();

        cut.WaitForAssertion(() => Assert.Equal(2, History.Filters.Count));
        Assert.Equal("137", History.Filters.Last().Exit);
        Assert.Equal("/api/v1/runs.csv?exit=137", cut.Find("a[data-testid=history-csv]").GetAttribute("href"));
    }

    [Fact]
    public void Apply_Refused_ShowsTheServicesMessage()
    {
        History.Failure = new ControlPlaneException(ProblemKind.Forbidden, "ada may not read the runs of red");
        RenderProviders();

        var cut = Render<History>();

        cut.WaitForAssertion(() => Assert.Contains("ada may not read the runs of red", cut.Find("[data-testid=history-error]").TextContent));
    }
}
