using Berth.ControlPlane;
using Berth.Data.Entities;
using Berth.Ui.Components.Pages;
using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Ui.Tests.Components.Pages;

public sealed class TemplatesTests : UiTestContext
{
    private readonly FakeTemplateClient _templates = new();

    public TemplatesTests() => Services.AddSingleton<ITemplateClient>(_templates);

    [Fact]
    public void Render_NoTemplates_EmptyStateAndNewButton()
    {
        RenderProviders();
        var cut = Render<Templates>();

        cut.WaitForAssertion(() => Assert.Contains("No templates yet", cut.Find("[data-testid=templates-empty]").TextContent));
        Assert.Equal("/templates/new", cut.Find("a[data-testid=template-new]").GetAttribute("href"));
    }

    [Fact]
    public void Render_Templates_RowsWithCommandAndLaunchLink()
    {
        var web = FakeTemplateClient.Template("web", ["sh", "-c", "echo hi; sleep 600"]);
        _templates.Templates.Add(web);
        RenderProviders();

        var cut = Render<Templates>();

        cut.WaitForAssertion(() => Assert.Contains("web", cut.Find("[data-testid=template-name]").TextContent));
        Assert.Contains("sh -c 'echo hi; sleep 600'", cut.Find("[data-testid=templates-table]").TextContent);
        Assert.Equal($"/launch?template={web.Id}", cut.Find("a[data-testid=template-launch]").GetAttribute("href"));
        Assert.Equal($"/templates/{web.Id}", cut.Find("a[data-testid=template-edit]").GetAttribute("href"));
    }

    [Fact]
    public void Render_ViewerOnly_NoLaunchEditOrNew()
    {
        Session.Caller = FakeSessionClient.Member(TeamRole.Viewer);
        _templates.Templates.Add(FakeTemplateClient.Template("web", ["sleep", "600"]));
        RenderProviders();

        var cut = Render<Templates>();

        cut.WaitForAssertion(() => Assert.Contains("web", cut.Find("[data-testid=template-name]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=template-launch]"));
        Assert.Empty(cut.FindAll("[data-testid=template-delete]"));
        Assert.Empty(cut.FindAll("[data-testid=template-new]"));
    }

    [Fact]
    public void Delete_Confirmed_DeletesAndRemovesTheRow()
    {
        var web = FakeTemplateClient.Template("web", ["sleep", "600"]);
        _templates.Templates.Add(web);
        var dialogs = RenderProviders();
        var cut = Render<Templates>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=template-delete]"));

        cut.Find("[data-testid=template-delete]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Delete template web?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete").Click();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=templates-empty]")));
        Assert.Equal(("delete", (Guid?)web.Id), _templates.Changes.Select(c => (c.Action, c.Id)).Single());
    }

    [Fact]
    public void Delete_Refused_ShowsTheMessageAndKeepsTheRow()
    {
        _templates.Templates.Add(FakeTemplateClient.Template("web", ["sleep", "600"]));
        _templates.Failure = ControlPlaneException.NotFound("template x");
        var dialogs = RenderProviders();
        var cut = Render<Templates>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=template-delete]"));

        cut.Find("[data-testid=template-delete]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Delete template web?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Delete").Click();

        cut.WaitForAssertion(() => Assert.Contains("web: ", Markup()));
        Assert.NotEmpty(cut.FindAll("[data-testid=template-name]"));
    }

    private string Markup() => string.Join("", Services.GetRequiredService<MudBlazor.ISnackbar>().ShownSnackbars.Select(s => s.Message));
}
