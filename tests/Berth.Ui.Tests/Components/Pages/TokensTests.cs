using AngleSharp.Dom;
using Berth.Ui.Components.Pages;
using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Ui.Tests.Components.Pages;

public sealed class TokensTests : UiTestContext
{
    private readonly FakeTokenClient _tokens = new();

    public TokensTests() => Services.AddSingleton<ITokenClient>(_tokens);

    private static IElement Row(IRenderedComponent<Tokens> cut, string name)
        => cut.FindAll("[data-testid=tokens-table] tbody tr").Single(r => r.QuerySelector("td")?.TextContent == name);

    [Fact]
    public void Render_NoTokens_SaysSo()
    {
        RenderProviders();
        var cut = Render<Tokens>();

        cut.WaitForAssertion(() => Assert.Contains("You have no API tokens", cut.Find("[data-testid=tokens-empty]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=token-text]"));
    }

    [Fact]
    public void Render_Tokens_RowsWithPrefixDatesAndStatus()
    {
        var now = DateTimeOffset.UtcNow;
        _tokens.Tokens.Add(new ApiTokenRow(Guid.NewGuid(), "deploy", "berth_abcdef", now.AddDays(-3), null, now.AddHours(-1), null));
        _tokens.Tokens.Add(new ApiTokenRow(Guid.NewGuid(), "old", "berth_123456", now.AddDays(-40), now.AddDays(-10), null, null));
        _tokens.Tokens.Add(new ApiTokenRow(Guid.NewGuid(), "gone", "berth_zzzzzz", now.AddDays(-5), null, null, now.AddDays(-1)));
        RenderProviders();

        var cut = Render<Tokens>();

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=tokens-table] tbody tr").Count));
        var deploy = Row(cut, "deploy");
        Assert.Contains("berth_abcdef…", deploy.TextContent);
        Assert.Contains(Units.Time(now.AddHours(-1)), deploy.TextContent);
        Assert.Contains("never", deploy.TextContent);
        Assert.Equal("active", deploy.QuerySelector("[data-testid=token-status]")!.TextContent.Trim());
        Assert.NotNull(deploy.QuerySelector("[data-testid=token-revoke]"));
        Assert.Equal("expired", Row(cut, "old").QuerySelector("[data-testid=token-status]")!.TextContent.Trim());
        var gone = Row(cut, "gone");
        Assert.Equal("revoked", gone.QuerySelector("[data-testid=token-status]")!.TextContent.Trim());
        Assert.Null(gone.QuerySelector("[data-testid=token-revoke]"));
    }

    [Fact]
    public void Create_Named_TextShownOnceThenDismissed_RowListed()
    {
        RenderProviders();
        var cut = Render<Tokens>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=tokens-empty]")));

        cut.Find("input[data-testid=token-name]").Input("ci-deploy");
        cut.Find("[data-testid=token-create]").Click();

        cut.WaitForAssertion(() => Assert.StartsWith("berth_", cut.Find("[data-testid=token-text]").TextContent, StringComparison.Ordinal));
        var (name, expiresAt) = Assert.Single(_tokens.Created);
        Assert.Equal("ci-deploy", name);
        // 30 days is the choice the form opens with.
        Assert.InRange(expiresAt!.Value - DateTimeOffset.UtcNow, TimeSpan.FromDays(30) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(30));
        var text = cut.Find("[data-testid=token-text]").TextContent;
        Assert.Equal("active", Row(cut, "ci-deploy").QuerySelector("[data-testid=token-status]")!.TextContent.Trim());
        Assert.Equal("", cut.Find("input[data-testid=token-name]").GetAttribute("value") ?? "");

        cut.Find("[data-testid=token-dismiss]").Click();

        Assert.Empty(cut.FindAll("[data-testid=token-text]"));
        Assert.DoesNotContain(text, cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NoName_ShowsTheServicesMessage()
    {
        RenderProviders();
        var cut = Render<Tokens>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=tokens-empty]")));

        cut.Find("[data-testid=token-create]").Click();

        cut.WaitForAssertion(() => Assert.Contains("a token needs a name", cut.Find("[data-testid=token-error]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=token-text]"));
    }

    [Fact]
    public void Copy_CallsTheClipboardHelperWithTheText()
    {
        RenderProviders();
        var cut = Render<Tokens>();
        cut.Find("input[data-testid=token-name]").Input("laptop");
        cut.Find("[data-testid=token-create]").Click();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=token-text]")));
        var text = cut.Find("[data-testid=token-text]").TextContent;
        var copy = JSInterop.Setup<bool>("berth.copyText", text).SetResult(true);

        cut.Find("[data-testid=token-copy]").Click();

        cut.WaitForAssertion(() => Assert.Single(copy.Invocations));
        Assert.Single(JSInterop.Invocations, i => i.Identifier == "berth.copyText");
        Assert.Contains(Services.GetRequiredService<MudBlazor.ISnackbar>().ShownSnackbars, s => s.Message?.Contains("copied to the clipboard", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void Revoke_Confirmed_RowShowsRevoked()
    {
        var id = Guid.NewGuid();
        _tokens.Tokens.Add(new ApiTokenRow(id, "deploy", "berth_abcdef", DateTimeOffset.UtcNow.AddDays(-1), null, null, null));
        var dialogs = RenderProviders();
        var cut = Render<Tokens>();
        cut.WaitForAssertion(() => Assert.NotNull(Row(cut, "deploy").QuerySelector("[data-testid=token-revoke]")));

        Row(cut, "deploy").QuerySelector("[data-testid=token-revoke]")!.Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Revoke token deploy?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Revoke").Click();

        cut.WaitForAssertion(() => Assert.Equal("revoked", Row(cut, "deploy").QuerySelector("[data-testid=token-status]")!.TextContent.Trim()));
        Assert.Equal([id], _tokens.Revoked);
        Assert.Null(Row(cut, "deploy").QuerySelector("[data-testid=token-revoke]"));
    }

    [Fact]
    public void Revoke_Cancelled_NothingRevoked()
    {
        _tokens.Tokens.Add(new ApiTokenRow(Guid.NewGuid(), "deploy", "berth_abcdef", DateTimeOffset.UtcNow.AddDays(-1), null, null, null));
        var dialogs = RenderProviders();
        var cut = Render<Tokens>();
        cut.WaitForAssertion(() => Assert.NotNull(Row(cut, "deploy").QuerySelector("[data-testid=token-revoke]")));

        Row(cut, "deploy").QuerySelector("[data-testid=token-revoke]")!.Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Revoke token deploy?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Cancel").Click();

        dialogs.WaitForAssertion(() => Assert.DoesNotContain("Revoke token deploy?", dialogs.Markup));
        Assert.Empty(_tokens.Revoked);
        Assert.Equal("active", Row(cut, "deploy").QuerySelector("[data-testid=token-status]")!.TextContent.Trim());
    }
}
