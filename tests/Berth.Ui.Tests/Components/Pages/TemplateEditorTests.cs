using Berth.ControlPlane;
using Berth.Ui.Components.Pages;
using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Ui.Tests.Components.Pages;

public sealed class TemplateEditorTests : UiTestContext
{
    private readonly FakeTemplateClient _templates = new();

    public TemplateEditorTests() => Services.AddSingleton<ITemplateClient>(_templates);

    private static string[] Errors(IRenderedComponent<TemplateEditor> cut)
        => cut.FindAll("[data-testid=template-save-error]").Select(e => e.TextContent.Trim()).ToArray();

    [Fact]
    public void Save_New_SendsNameTeamAndDefinitionAndReturnsToList()
    {
        RenderProviders();
        var cut = Render<TemplateEditor>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=template-save]"));
        Assert.Equal("New template", cut.Find("#page-title").TextContent);

        cut.Find("input[data-testid=template-name]").Change("web");
        cut.Find("input[data-testid=def-command]").Change("sh -c 'echo hi'");
        cut.Find("input[data-testid=def-memory]").Change("64");
        cut.Find("[data-testid=template-save]").Click();

        cut.WaitForAssertion(() => Assert.Single(_templates.Changes));
        var r = _templates.Changes.Single().Request!;
        Assert.Equal("web", r.Name);
        Assert.Equal(FakeSessionClient.TeamId.ToString(), r.Team);
        Assert.Equal("busybox:latest", r.Image);
        Assert.Equal(["sh", "-c", "echo hi"], r.Command);
        Assert.Equal(64L << 20, r.MemoryBytes);
        cut.WaitForAssertion(() => Assert.EndsWith("/templates", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
    }

    [Fact]
    public void Save_NoName_AsksForOneAndSendsNothing()
    {
        RenderProviders();
        var cut = Render<TemplateEditor>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=template-save]"));

        cut.Find("[data-testid=template-save]").Click();

        cut.WaitForAssertion(() => Assert.Equal(["Give the template a name."], Errors(cut)));
        Assert.Empty(_templates.Changes);
    }

    [Fact]
    public void Edit_Existing_FieldsFilledTeamFixedAndVersionSent()
    {
        var web = FakeTemplateClient.Template("web", ["sleep", "600"]);
        _templates.Templates.Add(web);
        RenderProviders();

        var cut = Render<TemplateEditor>(p => p.Add(x => x.Id, web.Id));

        cut.WaitForAssertion(() => Assert.Equal("web", cut.Find("input[data-testid=template-name]").GetAttribute("value")));
        Assert.Equal("Edit template", cut.Find("#page-title").TextContent);
        Assert.Equal("sleep 600", cut.Find("input[data-testid=def-command]").GetAttribute("value"));
        cut.Find("input[data-testid=def-command]").Change("sleep 5");
        cut.Find("[data-testid=template-save]").Click();

        cut.WaitForAssertion(() => Assert.Single(_templates.Changes));
        var (action, id, r) = _templates.Changes.Single();
        Assert.Equal("update", action);
        Assert.Equal(web.Id, id);
        Assert.Equal(7u, r!.Version);
        Assert.Equal(["sleep", "5"], r.Command);
    }

    [Fact]
    public void Save_ChangedMeanwhile_ShowsTheConflictAndStays()
    {
        var web = FakeTemplateClient.Template("web", ["sleep", "600"]);
        _templates.Templates.Add(web);
        _templates.Failure = ControlPlaneException.Conflict("template web was changed since version 7; read it again");
        RenderProviders();
        var cut = Render<TemplateEditor>(p => p.Add(x => x.Id, web.Id));
        cut.WaitForAssertion(() => cut.Find("[data-testid=template-save]"));

        cut.Find("[data-testid=template-save]").Click();

        cut.WaitForAssertion(() => Assert.Equal(["template web was changed since version 7; read it again"], Errors(cut)));
        Assert.DoesNotContain("/templates", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void Edit_Unknown_ShowsNotFound()
    {
        RenderProviders();

        var cut = Render<TemplateEditor>(p => p.Add(x => x.Id, Guid.NewGuid()));

        cut.WaitForAssertion(() => Assert.Contains("not found", cut.Find("[data-testid=template-error]").TextContent, StringComparison.OrdinalIgnoreCase));
        Assert.Empty(cut.FindAll("[data-testid=template-save]"));
    }
}
