using Berth.Testing;

namespace Berth.Engine.Tests;

public sealed class ReadyShimTests : IDisposable
{
    private readonly EngineHarness _h = new();
    private readonly ContainerEngine _engine;

    public ReadyShimTests()
        => _engine = new ContainerEngine(new EngineOptions { DataRoot = _h.DataRoot, RuntimeRoot = _h.Cli.Root, BerthPath = _h.Cli.BinaryPath, KeepShimReady = true });

    public void Dispose()
    {
        _engine.ReleaseReadyShim();
        _h.Dispose();
    }

    [RequiresRootFact]
    public async Task Start_WithAShimReady_HandsTheContainerToItAndKeepsAnotherReady()
    {
        var first = _engine.Start((await _engine.CreateAsync(new RunOptions { Image = "busybox", Name = "first", Command = ["sleep", "1000"] })).Id);
        EngineHarness.WaitUntil(() => ReadyShims().Count == 1, "a shim to wait for the next container");
        var ready = ReadyShims()[0];

        var second = _engine.Start((await _engine.CreateAsync(new RunOptions { Image = "busybox", Name = "second", Command = ["sh", "-c", "echo from-second; sleep 1000"] })).Id);

        Assert.Equal(ready, second.State.ShimPid);
        Assert.NotEqual(first.State.ShimPid, second.State.ShimPid);
        Assert.Equal("running", _h.Status("second"));
        EngineHarness.WaitUntil(() => _h.Run("logs", "second").Stdout == "from-second\n", "the second container's output in its log");
        Assert.True(File.Exists(Path.Combine(_engine.Containers.Dir(second.Id), ContainerShim.LogFileOfShim)));
        // The shim that took the container keeps its command line: the next is the other one.
        EngineHarness.WaitUntil(() => ReadyShims().Count(p => p != ready) == 1, "another shim to wait for the next container");
    }

    [RequiresRootFact]
    public async Task ReleaseReadyShim_TheWaitingShimLeavesAndRunningContainersStay()
    {
        var running = _engine.Start((await _engine.CreateAsync(new RunOptions { Image = "busybox", Name = "stays", Command = ["sleep", "1000"] })).Id);
        EngineHarness.WaitUntil(() => ReadyShims().Count == 1, "a shim to wait for the next container");

        _engine.ReleaseReadyShim();

        EngineHarness.WaitUntil(() => ReadyShims().Count == 0, "the waiting shim to leave");
        Assert.Equal("running", _h.Status("stays"));
        Assert.True(ContainerEngine.IsShimAlive(_engine.Containers.Find(running.Id)));
        // Released for good: a start spawns its own shim and keeps none ready.
        _engine.Start((await _engine.CreateAsync(new RunOptions { Image = "busybox", Name = "later", Command = ["sleep", "1000"] })).Id);
        Thread.Sleep(300);
        Assert.Empty(ReadyShims());
    }

    /// <summary>The live (not zombie) shims of this test's roots that wait for a container.</summary>
    private List<int> ReadyShims()
    {
        var wanted = string.Join('\0', "__shim", _h.DataRoot, _h.Cli.Root, "-", ContainerShim.ReadyMode);
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(wanted, StringComparison.Ordinal)
                    && !File.ReadAllText(Path.Combine(dir, "stat")).Split(") ")[1].StartsWith('Z'))
                    found.Add(pid);
            }
            catch (IOException)
            {
                // Gone meanwhile.
            }
        }
        return found;
    }
}
