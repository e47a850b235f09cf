using Berth.Ui.Components.Layout;
using Berth.Ui.Tests.Fakes;
using Microsoft.AspNetCore.Components;

namespace Berth.Ui.Tests.Components.Layout;

public sealed class MainLayoutTests : UiTestContext
{
    private IRenderedComponent<MainLayout> RenderLayout()
    {
        AddAuthorization().SetAuthorized("ada");
        return Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddMarkupContent(0, "<p id=body>page</p>"))));
    }

    private static string? ThemeToggleLabel(IRenderedComponent<MainLayout> cut) => cut.Find("[data-testid=theme-toggle]").GetAttribute("aria-label");

    [Fact]
    public void Render_ThemeChosenBefore_ThatThemeAndThePage()
    {
        JSInterop.Setup<string?>("berth.theme.get").SetResult("dark");

        var cut = RenderLayout();

        cut.WaitForAssertion(() => Assert.Equal("switch to the light theme", ThemeToggleLabel(cut)));
        Assert.Equal("page", cut.Find("#body").TextContent);
    }

    [Fact]
    public void ToggleTheme_FromLight_DarkAndRemembered()
    {
        JSInterop.Setup<string?>("berth.theme.get").SetResult("light");
        var cut = RenderLayout();
        cut.WaitForAssertion(() => Assert.Equal("switch to the dark theme", ThemeToggleLabel(cut)));

        cut.Find("[data-testid=theme-toggle]").Click();

        cut.WaitForAssertion(() => Assert.Equal("switch to the light theme", ThemeToggleLabel(cut)));
        var stored = Assert.Single(JSInterop.Invocations, i => i.Identifier == "berth.theme.set");
        Assert.Equal(["dark"], stored.Arguments);
    }
}
