using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>
/// One test's berth: a <see cref="BerthCli"/> with a private root and the
/// bundles the test made. Dispose force-deletes the containers, then the
/// bundles.
/// </summary>
internal sealed class CliHarness : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private readonly List<OciBundle> _bundles = [];

    public BerthCli Cli { get; } = new();

    /// <summary>A fresh bundle running <paramref name="args"/>, owned by the harness.</summary>
    public OciBundle NewBundle(params string[] args)
    {
        var bundle = OciBundle.Create(args);
        _bundles.Add(bundle);
        return bundle;
    }

    public CliResult Run(params string[] args) => Cli.Run(args);

    /// <summary>Runs berth and fails the test with its output when it exits non-zero.</summary>
    public CliResult Ok(params string[] args)
    {
        var result = Cli.Run(args);
        Assert.True(result.Succeeded, $"berth {string.Join(' ', args)}: {result}");
        return result;
    }

    /// <summary>Creates <paramref name="id"/> from <paramref name="bundle"/> and starts it.</summary>
    public void CreateAndStart(OciBundle bundle, string id)
    {
        Ok("create", "--bundle", bundle.Path, id);
        Ok("start", id);
    }

    public JsonObject State(string id)
    {
        var result = Ok("state", id);
        return JsonNode.Parse(result.Stdout)!.AsObject();
    }

    public int InitPid(string id) => State(id)["pid"]!.GetValue<int>();

    /// <summary>Polls <c>state</c> until the status is <paramref name="status"/>; fails after <paramref name="timeoutSeconds"/>.</summary>
    public JsonObject WaitForStatus(string id, string status, double timeoutSeconds = 10)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var state = State(id);
            if ((string?)state["status"] == status)
            {
                return state;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(timeoutSeconds))
            {
                Assert.Fail($"container {id} did not reach \"{status}\" in {timeoutSeconds} s; last state: {state.ToJsonString()}");
            }

            Thread.Sleep(PollInterval);
        }
    }

    /// <summary>
    /// Polls <c>state</c> until the container is stopped and its exit is recorded. A bare
    /// "stopped" can come before the monitor wrote the exit (see
    /// LifecycleTests.State_PolledRightAfterKill_StoppedAlwaysCarriesExitCode, which pins that).
    /// </summary>
    public JsonObject WaitForExit(string id, double timeoutSeconds = 10)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var state = State(id);
            if ((string?)state["status"] == "stopped" && state["exitCode"] is not null)
            {
                return state;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(timeoutSeconds))
            {
                Assert.Fail($"container {id} did not stop with a recorded exit in {timeoutSeconds} s; last state: {state.ToJsonString()}");
            }

            Thread.Sleep(PollInterval);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after the timeout.</summary>
    public static void WaitUntil(Func<bool> condition, string what, double timeoutSeconds = 10)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(timeoutSeconds))
            {
                Assert.Fail($"timed out after {timeoutSeconds} s waiting for {what}");
            }

            Thread.Sleep(PollInterval);
        }
    }

    /// <summary>The container's state folder under the private root.</summary>
    public string StateDir(string id) => Path.Combine(Cli.Root, id);

    /// <summary>What the private root holds (state folders, sockets).</summary>
    public string[] RootEntries() =>
        Directory.Exists(Cli.Root) ? Directory.GetFileSystemEntries(Cli.Root) : [];

    public void Dispose()
    {
        try
        {
            Cli.Dispose();
        }
        finally
        {
            foreach (var bundle in _bundles)
            {
                bundle.Dispose();
            }
        }
    }
}
