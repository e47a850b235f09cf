using Berth.ControlPlane;
using Berth.Ui.Components.Controls;
using Berth.Ui.Tests.Fakes;
using Microsoft.JSInterop;

namespace Berth.Ui.Tests.Components.Controls;

public sealed class TerminalViewTests : UiTestContext
{
    private static readonly Guid Id = Guid.NewGuid();

    public TerminalViewTests()
    {
        JSInterop.Setup<int[]>("berth.terminal.open", _ => true).SetResult([100, 30]);
    }

    private IRenderedComponent<TerminalView> RenderTerminal() => Render<TerminalView>(p => p.Add(x => x.ContainerId, Id));

    [Fact]
    public void Render_OpensAShellOfTheBrowsersTerminalSize()
    {
        var cut = RenderTerminal();

        cut.WaitForAssertion(() => Assert.Equal([(Id, 100, 30)], Terminal.Opened));
    }

    [Fact]
    public async Task Output_Pushed_WrittenToTheBrowsersTerminal()
    {
        var cut = RenderTerminal();
        cut.WaitForAssertion(() => Assert.Single(Terminal.Opened));

        Terminal.Output.Writer.TryWrite("hello\r\n"u8.ToArray());

        // Writing to the terminal renders nothing of the component's own: wait for the call itself.
        bool Written() => JSInterop.Invocations["berth.terminal.write"].Any(i => i.Arguments.OfType<byte[]>().Any(b => System.Text.Encoding.UTF8.GetString(b) == "hello\r\n"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!Written() && !timeout.IsCancellationRequested) await Task.Delay(20, CancellationToken.None);
        Assert.True(Written(), "the output was not written to the browser's terminal");
    }

    [Fact]
    public async Task InputAndResize_FromTheBrowser_SentToTheShell()
    {
        var cut = RenderTerminal();
        cut.WaitForAssertion(() => Assert.Single(Terminal.Opened));

        await cut.InvokeAsync(() => cut.Instance.Input("ls\r"));
        await cut.InvokeAsync(() => cut.Instance.Resize(120, 40));

        Assert.Equal(["ls\r"], Terminal.Input);
        Assert.Equal([(120, 40)], Terminal.Resizes);
    }

    [Fact]
    public void ShellExits_SaysSoAndOffersAnother()
    {
        var cut = RenderTerminal();
        cut.WaitForAssertion(() => Assert.Single(Terminal.Opened));

        Terminal.Output.Writer.Complete();

        cut.WaitForAssertion(() => Assert.Contains("The shell has exited", cut.Find("[data-testid=terminal-ended]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void Open_Refused_ShowsTheReason()
    {
        Terminal.OpenFailure = new ControlPlaneException(ProblemKind.Forbidden, "viewer may not open a terminal");

        var cut = RenderTerminal();

        cut.WaitForAssertion(() => Assert.Contains("viewer may not open a terminal", cut.Find("[data-testid=terminal-error]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void BrowserCannotLoadXterm_ShowsWhy()
    {
        JSInterop.Setup<int[]>("berth.terminal.open", _ => true).SetException(new JSException("cannot load assets/xterm/xterm.js"));

        var cut = RenderTerminal();

        cut.WaitForAssertion(() => Assert.Contains("cannot load assets/xterm/xterm.js", cut.Find("[data-testid=terminal-error]").TextContent, StringComparison.Ordinal));
        Assert.Empty(Terminal.Opened);
    }

    [Fact]
    public async Task Dispose_ClosesTheShell()
    {
        var cut = RenderTerminal();
        cut.WaitForAssertion(() => Assert.Single(Terminal.Opened));

        await cut.Instance.DisposeAsync();

        Assert.Equal(["term-1"], Terminal.Closed);
    }
}
