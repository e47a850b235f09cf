using Berth.Ui.Components.Controls;
using Berth.Ui.Components.Pages;
using Berth.Ui.Tests.Fakes;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Ui.Tests.Components.Pages;

public sealed class LoginTests : UiTestContext
{
    private IRenderedComponent<Login> RenderAt(string query)
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("/login" + query);
        return Render<Login>();
    }

    private static string? ReturnUrl(IRenderedComponent<Login> cut) => cut.Find("input[name=returnUrl]").GetAttribute("value");

    [Fact]
    public void Render_Plain_FormPostsToTheHostWithoutError()
    {
        var cut = RenderAt("");

        Assert.Equal("/account/login", cut.Find("form").GetAttribute("action"));
        Assert.Equal("post", cut.Find("form").GetAttribute("method"));
        Assert.Equal("/", ReturnUrl(cut));
        Assert.Empty(cut.FindAll("[data-testid=login-error]"));
    }

    [Fact]
    public void Render_AfterAFailedSignIn_SaysSo()
    {
        var cut = RenderAt("?error=1&returnUrl=%2Fcontainers");

        Assert.Equal("Wrong username or password.", cut.Find("[data-testid=login-error]").TextContent.Trim());
        Assert.Equal("/containers", ReturnUrl(cut));
    }

    [Theory]
    [InlineData("https%3A%2F%2Fevil.example%2F")]
    [InlineData("%2F%2Fevil.example")]
    [InlineData("%2F%5Cevil.example")]
    public void Render_ReturnUrlOfAnotherSite_GoesHomeInstead(string returnUrl)
        => Assert.Equal("/", ReturnUrl(RenderAt("?returnUrl=" + returnUrl)));

    [Fact]
    public void RedirectToLogin_OnAPage_SendsToSignInWithThePageToComeBackTo()
    {
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("/containers?state=running");

        Render<RedirectToLogin>();

        Assert.Equal("http://localhost/login?returnUrl=%2Fcontainers%3Fstate%3Drunning", navigation.Uri);
    }
}
