using System.Text;
using Berth.Testing;

namespace Berth.Engine.Tests;

public sealed class ExecTerminalTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static async Task TypeAsync(ExecTerminal terminal, string keys) => await terminal.Stream.WriteAsync(Encoding.UTF8.GetBytes(keys));

    /// <summary>Reads the terminal until <paramref name="text"/> has appeared in what it read since the call; fails after <see cref="Patience"/>.</summary>
    private static async Task<string> ReadUntilAsync(ExecTerminal terminal, string text)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var seen = new StringBuilder();
        var buffer = new byte[4096];
        while (!seen.ToString().Contains(text, StringComparison.Ordinal))
        {
            int n;
            try { n = await terminal.Stream.ReadAsync(buffer, timeout.Token); }
            catch (OperationCanceledException) { throw new Xunit.Sdk.XunitException($"no \"{text}\" on the terminal within {Patience.TotalSeconds} s; it showed: {seen}"); }
            if (n == 0) throw new Xunit.Sdk.XunitException($"the terminal closed before \"{text}\"; it showed: {seen}");
            seen.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return seen.ToString();
    }

    [RequiresRootFact]
    public async Task OpenTerminal_Shell_RunsWhatIsTypedAtTheSizeAsked()
    {
        _h.Ok("run", "-d", "--name", "console", "busybox", "sleep", "1000");
        await using var terminal = _h.Engine.OpenTerminal("console", ["sh"], new ExecRequest(), 80, 24);

        await TypeAsync(terminal, "echo $((6*7))\n");
        await ReadUntilAsync(terminal, "42");
        await TypeAsync(terminal, "stty size\n");
        await ReadUntilAsync(terminal, "24 80");
        terminal.Resize(120, 40);
        await TypeAsync(terminal, "stty size\n");
        await ReadUntilAsync(terminal, "40 120");

        Assert.False(terminal.Exited.IsCompleted);
        Assert.Contains(_h.Processes("console"), p => p.Pid == terminal.Pid && p.Command == "sh");
        Assert.Contains(_h.Engine.Events.Read(), e => e.Action == "exec" && e.Name == "console");
    }

    [RequiresRootFact]
    public async Task OpenTerminal_ShellExits_ExitedGivesItsCodeAndTheStreamEnds()
    {
        _h.Ok("run", "-d", "--name", "leaving", "busybox", "sleep", "1000");
        await using var terminal = _h.Engine.OpenTerminal("leaving", ["sh"], new ExecRequest { Env = ["GOODBYE=bye"] }, 80, 24);

        await TypeAsync(terminal, "echo $GOODBYE-$TERM; exit 3\n");
        await ReadUntilAsync(terminal, "bye-xterm");
        var code = await terminal.Exited.WaitAsync(Patience);
        using var timeout = new CancellationTokenSource(Patience);
        var rest = new byte[4096];
        while (await terminal.Stream.ReadAsync(rest, timeout.Token) > 0)
        {
        }

        Assert.Equal(3, code);
        Assert.Single(_h.Processes("leaving"));
    }

    [RequiresRootFact]
    public async Task DisposeAsync_ShellStillRunningWithJobs_LeavesNoProcessBehind()
    {
        var id = _h.Ok("run", "-d", "--name", "abandoned", "busybox", "sleep", "1000").Stdout.Trim();
        var init = Assert.Single(_h.Processes("abandoned"));
        var terminal = _h.Engine.OpenTerminal("abandoned", ["sh"], new ExecRequest(), 80, 24);
        try
        {
            await TypeAsync(terminal, "sleep 2000 &\n");
            await TypeAsync(terminal, "sleep 3000\n");
            EngineHarness.WaitUntil(() => _h.Processes("abandoned").Count == 4, "the shell and its two sleeps");
        }
        finally
        {
            await terminal.DisposeAsync();
        }

        Assert.True(terminal.Exited.IsCompleted);
        Assert.Equal([init.Pid], _h.Engine.Runtime.Pids(id));
        // The sleeps outlived the shell for a moment, so the init adopted them; this one (a sleep) never reaps.
        Assert.All(_h.Processes("abandoned").Where(p => p.Pid != init.Pid), p => Assert.Equal('Z', p.State));
        Assert.Throws<ObjectDisposedException>(() => terminal.Resize(100, 30));
    }

    [RequiresRootFact]
    public void OpenTerminal_NoSuchProgram_FailsAndLeavesNothingRunning()
    {
        _h.Ok("run", "-d", "--name", "missing", "busybox", "sleep", "1000");

        var e = Assert.Throws<EngineException>(() => _h.Engine.OpenTerminal("missing", ["no-such-program"], new ExecRequest(), 80, 24));
        var size = Assert.Throws<EngineException>(() => _h.Engine.OpenTerminal("missing", ["sh"], new ExecRequest(), 0, 24));

        Assert.Contains("no-such-program", e.Message);
        Assert.Contains("executable file not found", e.Message);
        Assert.Contains("at least one column", size.Message);
        Assert.Single(_h.Processes("missing"));
    }
}
