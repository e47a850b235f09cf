using Berth.ControlPlane;
using Berth.ControlPlane.Security;
using Berth.Data.Entities;
using Berth.Ui.Components.Pages;
using Berth.Ui.Tests.Fakes;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Ui.Tests.Components.Pages;

public sealed class LaunchTests : UiTestContext
{
    private readonly FakeTemplateClient _templates = new();

    public LaunchTests() => Services.AddSingleton<Berth.Ui.Model.ITemplateClient>(_templates);

    private static string[] Errors(IRenderedComponent<Launch> cut)
        => cut.FindAll("[data-testid=launch-error]").Select(e => e.TextContent.Trim()).ToArray();

    private IRenderedComponent<Launch> RenderLoaded()
    {
        RenderProviders();
        var cut = Render<Launch>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=launch-submit]")));
        return cut;
    }

    [Fact]
    public void Render_ViewerOnly_CannotLaunchNote()
    {
        Session.Caller = FakeSessionClient.Member(TeamRole.Viewer);
        RenderProviders();

        var cut = Render<Launch>();

        cut.WaitForAssertion(() => Assert.Contains("you have no such role", cut.Find("[data-testid=cannot-launch]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=launch-submit]"));
    }

    [Fact]
    public void Render_OneTeam_ChosenWithItsQuota()
    {
        var cut = RenderLoaded();

        cut.WaitForAssertion(() => Assert.Contains("1 / 10", cut.Find("[data-testid=launch-quota]").TextContent));
        Assert.Contains("64 MiB / 1 GiB", cut.Find("[data-testid=launch-quota]").TextContent);
        Assert.Contains("5 (unlimited)", cut.Find("[data-testid=launch-quota]").TextContent);
    }

    [Fact]
    public void Submit_BadFields_ShowsEachErrorAndSendsNothing()
    {
        var cut = RenderLoaded();

        cut.Find("input[data-testid=launch-name]").Change("-bad name");
        cut.Find("input[data-testid=launch-command]").Change("sh -c 'echo");
        cut.Find("textarea[data-testid=launch-env]").Change("NOEQUALS");
        cut.Find("[data-testid=launch-submit]").Click();

        cut.WaitForAssertion(() => Assert.Equal(
        [
            "A name has letters, digits, '.', '_' and '-', starts with a letter or digit, and is at most 63 characters.",
            "The command has an unclosed quote.",
            "Environment line \"NOEQUALS\" is not KEY=VALUE.",
        ], Errors(cut)));
        Assert.Empty(ContainerClient.Launched);
    }

    [Fact]
    public void Submit_TwoTeamsNoneChosen_AsksForATeam()
    {
        var other = Guid.NewGuid();
        Session.Caller = new Caller(Guid.NewGuid(), "ada", GlobalRole.None, new Dictionary<Guid, TeamRole> { [FakeSessionClient.TeamId] = TeamRole.Member, [other] = TeamRole.Owner }, null);
        var cut = RenderLoaded();

        cut.Find("[data-testid=launch-submit]").Click();

        cut.WaitForAssertion(() => Assert.Equal(["Choose a team."], Errors(cut)));
        Assert.Empty(ContainerClient.Launched);
    }

    [Fact]
    public void Submit_ValidForm_SendsTheRequestAndOpensTheContainer()
    {
        var cut = RenderLoaded();

        cut.Find("input[data-testid=launch-name]").Change("web-1");
        cut.Find("input[data-testid=launch-command]").Change("sh -c 'echo hi; sleep 600'");
        cut.Find("input[data-testid=launch-memory]").Change("64");
        cut.Find("input[data-testid=launch-cpus]").Change("0.5");
        cut.Find("textarea[data-testid=launch-env]").Change("A=1\nB=two words");
        cut.Find("[data-testid=launch-submit]").Click();

        cut.WaitForAssertion(() => Assert.Single(ContainerClient.Launched));
        var r = Assert.Single(ContainerClient.Launched);
        Assert.Equal("busybox:latest", r.Image);
        Assert.Equal("web-1", r.Name);
        Assert.Equal(FakeSessionClient.TeamId.ToString(), r.Team);
        Assert.Equal(["sh", "-c", "echo hi; sleep 600"], r.Command);
        Assert.Equal(64L << 20, r.MemoryBytes);
        Assert.Equal(0.5, r.Cpus);
        Assert.Equal(new Dictionary<string, string> { ["A"] = "1", ["B"] = "two words" }, r.Env);
        Assert.Null(r.Network);
        Assert.Null(r.Ports);
        var launched = ContainerClient.Containers.Single(c => c.Name == "web-1");
        cut.WaitForAssertion(() => Assert.EndsWith($"/containers/{launched.Id}", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
        Assert.Empty(Errors(cut));
    }

    [Fact]
    public void Submit_ControlPlaneRefuses_ShowsItsMessage()
    {
        ContainerClient.LaunchFailure = ControlPlaneException.Conflict("the team's quota of 10 containers is used up");
        var cut = RenderLoaded();

        cut.Find("[data-testid=launch-submit]").Click();

        cut.WaitForAssertion(() => Assert.Equal(["the team's quota of 10 containers is used up"], Errors(cut)));
        Assert.Single(ContainerClient.Launched);
        Assert.EndsWith("/", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_FromTemplate_FormFilledTeamFixedAndTemplateSent()
    {
        var web = FakeTemplateClient.Template("web", ["sh", "-c", "echo hi; sleep 600"]);
        _templates.Templates.Add(web);
        RenderProviders();
        Services.GetRequiredService<NavigationManager>().NavigateTo($"/launch?template={web.Id}");

        var cut = Render<Launch>();

        cut.WaitForAssertion(() => Assert.Contains("From template web of team alpha", cut.Find("[data-testid=launch-template]").TextContent));
        Assert.Equal("sh -c 'echo hi; sleep 600'", cut.Find("input[data-testid=launch-command]").GetAttribute("value"));
        cut.WaitForAssertion(() => Assert.Contains("1 / 10", cut.Find("[data-testid=launch-quota]").TextContent));
        cut.Find("[data-testid=launch-submit]").Click();

        cut.WaitForAssertion(() => Assert.Single(ContainerClient.Launched));
        var r = Assert.Single(ContainerClient.Launched);
        Assert.Equal(web.Id, r.TemplateId);
        Assert.Equal(FakeSessionClient.TeamId.ToString(), r.Team);
        Assert.Equal(["sh", "-c", "echo hi; sleep 600"], r.Command);
    }

    [Fact]
    public void Render_UnknownTemplate_ShowsNotFoundAndSendsNoTemplate()
    {
        RenderProviders();

        Services.GetRequiredService<NavigationManager>().NavigateTo($"/launch?template={Guid.NewGuid()}");
        var cut = Render<Launch>();

        cut.WaitForAssertion(() => Assert.Contains("not found", Errors(cut).Single(), StringComparison.OrdinalIgnoreCase));
        Assert.Empty(cut.FindAll("[data-testid=launch-template]"));
    }

    [Fact]
    public void Render_TemplateOfATeamNotOperated_Refused()
    {
        var other = Guid.NewGuid();
        _templates.Templates.Add(FakeTemplateClient.Template("web", ["sleep", "1"], teamId: other, team: "beta"));
        RenderProviders();

        Services.GetRequiredService<NavigationManager>().NavigateTo($"/launch?template={_templates.Templates[0].Id}");
        var cut = Render<Launch>();

        cut.WaitForAssertion(() => Assert.Equal(["You cannot launch from template web: you are not a member or owner of team beta."], Errors(cut)));
        Assert.Empty(cut.FindAll("[data-testid=launch-template]"));
    }

    private static void TypeImage(IRenderedComponent<Launch> cut, string reference)
    {
        var input = cut.Find("input[data-testid=launch-image]");
        input.Input(reference);
        input.Blur();
    }

    [Fact]
    public void Submit_ImageNotOnTheNode_PullsWithProgressThenLaunches()
    {
        var cut = RenderLoaded();
        TypeImage(cut, "registry.test:5000/team/app:1");
        cut.WaitForAssertion(() => Assert.Contains("pulled before the launch", cut.Markup));

        cut.Find("[data-testid=launch-submit]").Click();

        cut.WaitForAssertion(() => Assert.Equal(["registry.test:5000/team/app:1"], ImageClient.Pulled));
        cut.WaitForAssertion(() => Assert.Equal("queued", cut.Find("[data-testid=launch-pull] [data-testid=pull-state]").TextContent.Trim()));
        Assert.Empty(ContainerClient.Launched);

        ImageClient.PullStates.Enqueue(FakeImageClient.Pull("registry.test:5000/team/app:1", "running", layers: [('1', "downloading", 512, 1024)]));
        Time.WaitForTimer();
        Time.Fire();
        cut.WaitForAssertion(() => Assert.Equal("0 of 1 layers", cut.Find("[data-testid=pull-layers]").TextContent.Trim()));
        Assert.Contains("Pulling registry.test:5000/team/app:1", cut.Markup);
        Assert.Empty(ContainerClient.Launched);

        ImageClient.PullStates.Enqueue(FakeImageClient.Pull("registry.test:5000/team/app:1", "done", imageId: "sha256:" + new string('5', 64), layers: [('1', "complete", 1024, 1024)]));
        Time.Fire();

        cut.WaitForAssertion(() => Assert.Single(ContainerClient.Launched));
        Assert.Equal("registry.test:5000/team/app:1", ContainerClient.Launched.Single().Image);
        var launched = ContainerClient.Containers.Single(c => c.Image == "registry.test:5000/team/app:1");
        cut.WaitForAssertion(() => Assert.EndsWith($"/containers/{launched.Id}", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
    }

    [Fact]
    public void Submit_PullFails_ShowsWhyAndLaunchesNothing()
    {
        var cut = RenderLoaded();
        TypeImage(cut, "registry.test:5000/nothing:1");

        cut.Find("[data-testid=launch-submit]").Click();
        cut.WaitForAssertion(() => Assert.Single(ImageClient.Pulled));
        ImageClient.PullStates.Enqueue(FakeImageClient.Pull("registry.test:5000/nothing:1", "failed", error: "registry.test:5000/nothing: manifest unknown"));
        Time.WaitForTimer();
        Time.Fire();

        cut.WaitForAssertion(() => Assert.Equal(["Image registry.test:5000/nothing:1 could not be pulled, so nothing was launched."], Errors(cut)));
        Assert.Equal("registry.test:5000/nothing: manifest unknown", cut.Find("[data-testid=launch-pull] [data-testid=pull-error]").TextContent.Trim());
        Assert.Empty(ContainerClient.Launched);
        Assert.False(cut.Find("[data-testid=launch-submit]").HasAttribute("disabled"));
    }

    [Fact]
    public void Submit_PullRefused_ShowsTheRefusalAndLaunchesNothing()
    {
        ImageClient.Refusal = new ControlPlaneException(ProblemKind.Forbidden, "ada may not image pull registry.test:5000/x:1");
        var cut = RenderLoaded();
        TypeImage(cut, "registry.test:5000/x:1");

        cut.Find("[data-testid=launch-submit]").Click();

        cut.WaitForAssertion(() => Assert.Equal(["ada may not image pull registry.test:5000/x:1"], Errors(cut)));
        Assert.Empty(ContainerClient.Launched);
        Assert.Equal(0, ImageClient.PullReads);
    }

    [Fact]
    public void Submit_ListedImageTyped_LaunchesWithoutPulling()
    {
        var cut = RenderLoaded();
        TypeImage(cut, "alpine:3.20");

        cut.Find("[data-testid=launch-submit]").Click();

        cut.WaitForAssertion(() => Assert.Single(ContainerClient.Launched));
        Assert.Equal("alpine:3.20", ContainerClient.Launched.Single().Image);
        Assert.Empty(ImageClient.Pulled);
    }
}
