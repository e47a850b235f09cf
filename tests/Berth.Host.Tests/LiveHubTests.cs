using System.Net;
using System.Text;
using System.Text.Json;
using Berth.Data.Entities;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Tests;

public sealed class LiveHubTests : IAsyncLifetime
{
    private const long Memory = 64L * 1024 * 1024;

    private HostHarness _host = null!;

    public async Task InitializeAsync() => _host = await HostHarness.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ContainerStats_BusyContainerHalfACpu_CpuAboveTwentyPercentAndMemoryLimitMatches()
    {
        using var admin = await _host.AdminAsync();
        var id = (await admin.Launch(new { image = "busybox", command = new[] { "sh", "-c", "while :; do :; done" }, cpus = 0.5, memoryBytes = Memory })).Str("id");
        await using var hub = await _host.ConnectAsync(admin);

        var samples = await hub.StreamAsync<JsonElement>("ContainerStats", Guid.Parse(id)).ReadUntilAsync(s => s.GetProperty("cpuPercent").GetDouble() > 20, "sample above 20 % CPU");
        var busy = samples[^1];
        Assert.Equal(id, busy.Str("containerId"));
        Assert.Equal(Memory, busy.GetProperty("memoryLimitBytes").GetInt64());
        Assert.Equal(0.5, busy.GetProperty("cpuLimitCores").GetDouble());
        // The quota holds it to half a core (with some slack for the sampling interval).
        Assert.InRange(busy.GetProperty("cpuPercent").GetDouble(), 20, 75);
        Assert.True(busy.GetProperty("memoryWorkingSetBytes").GetInt64() > 0);
        Assert.True(busy.GetProperty("pids").GetInt64() >= 1);

        var snapshot = await admin.Get($"api/v1/containers/{id}/stats");
        Assert.Equal(Memory, snapshot.GetProperty("memoryLimitBytes").GetInt64());
    }

    [Fact]
    public async Task ContainerStats_OtherTeamsContainer_RefusedAsNotFound()
    {
        using var admin = await _host.AdminAsync();
        var id = (await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" } })).Str("id");
        await _host.CreateUserAsync("outsider", "elsewhere", TeamRole.Owner);
        using var outsider = await _host.UserAsync("outsider");
        await using var hub = await _host.ConnectWithQueryTokenAsync(outsider);

        foreach (var method in new[] { "ContainerStats", "ProcessTree" })
        {
            var refused = await Assert.ThrowsAsync<HubException>(async () =>
            {
                await foreach (var _ in hub.StreamAsync<JsonElement>(method, Guid.Parse(id))) { }
            });
            Assert.Contains($"container {id} not found", refused.Message, StringComparison.Ordinal);
        }
        await (await outsider.GetAsync($"api/v1/containers/{id}/stats")).Problem(HttpStatusCode.NotFound);
        await (await outsider.GetAsync($"api/v1/containers/{id}/processes")).Problem(HttpStatusCode.NotFound);
        // The outsider's dashboard counts only their team's containers: none.
        var dashboard = await hub.StreamAsync<JsonElement>("Dashboard").ReadUntilAsync(_ => true, "dashboard");
        Assert.Equal(0, dashboard[0].GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task DashboardAndHostStats_Admin_CountsRunningAndHostSummary()
    {
        using var admin = await _host.AdminAsync();
        await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" } });
        await using var hub = await _host.ConnectAsync(admin);
        await hub.StreamAsync<JsonElement>("Dashboard").ReadUntilAsync(d => d.GetProperty("byState").TryGetProperty("running", out var n) && n.GetInt32() == 1, "one running container");
        var host = (await hub.StreamAsync<JsonElement>("HostStats").ReadUntilAsync(h => h.GetProperty("runningContainers").GetInt32() == 1, "host summary"))[^1];
        Assert.Equal(Environment.ProcessorCount, host.GetProperty("cpuCount").GetInt32());
        Assert.True(host.GetProperty("memoryTotalBytes").GetInt64() > host.GetProperty("memoryAvailableBytes").GetInt64());
    }

    [Fact]
    public async Task Logs_TailThenLinesWrittenLater_ArriveInBatches()
    {
        using var admin = await _host.AdminAsync();
        var id = (await admin.Launch(new { image = "busybox", command = new[] { "sh", "-c", "echo first; echo second; sleep 6; echo later; exec sleep 1000" } })).Str("id");
        await HostHarness.WaitUntilAsync(async () => (await admin.GetStringAsync($"api/v1/containers/{id}/logs")).Contains("second", StringComparison.Ordinal), "the first lines");
        await using var hub = await _host.ConnectAsync(admin);

        var batches = await hub.StreamAsync<JsonElement[]>("Logs", Guid.Parse(id), 10).ReadUntilAsync(b => b.Any(l => l.Str("text").StartsWith("later", StringComparison.Ordinal)), "the later line");
        var tail = batches[0].Select(l => l.Str("text")).ToList();
        Assert.Equal(["first\n", "second\n"], tail);
        Assert.DoesNotContain(batches[0], l => l.Str("text") == "later\n");
        Assert.All(batches.SelectMany(b => b), l =>
        {
            Assert.Equal("stdout", l.Str("stream"));
            Assert.True(l.GetProperty("time").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        });
    }

    [Fact]
    public async Task ProcessTree_RunningCommand_ShownWithCpuAndRestSnapshot()
    {
        using var admin = await _host.AdminAsync();
        var id = (await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" } })).Str("id");
        await using var hub = await _host.ConnectAsync(admin);
        var trees = await hub.StreamAsync<JsonElement>("ProcessTree", Guid.Parse(id)).ReadUntilAsync(t => t.GetProperty("roots").GetArrayLength() > 0, "a process tree");
        var root = trees[^1].GetProperty("roots")[0];
        Assert.Equal("sleep 1000", root.Str("command"));
        Assert.Equal(1, root.GetProperty("pidInContainer").GetInt32());
        Assert.True(trees[^1].GetProperty("cpuPercent").TryGetProperty(root.GetProperty("pid").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), out _));

        var snapshot = await admin.Get($"api/v1/containers/{id}/processes");
        Assert.Equal("sleep 1000", snapshot.GetProperty("roots")[0].Str("command"));
    }

    [Fact]
    public async Task KillProcessAndTerminal_Viewer_RefusedAndAuditedAsDenied()
    {
        using var admin = await _host.AdminAsync();
        var c = await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" } });
        var id = Guid.Parse(c.Str("id"));
        var pid = _host.Engine.Top(c.Str("engineId")).Roots[0].Pid;
        await _host.CreateUserAsync("watcher", "default", TeamRole.Viewer);
        using var viewer = await _host.UserAsync("watcher");
        await using var hub = await _host.ConnectAsync(viewer);

        var kill = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("KillProcess", id, pid, 9));
        Assert.Contains("may not container kill-process", kill.Message, StringComparison.Ordinal);
        var terminal = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<string>("OpenTerminal", id, 80, 24));
        Assert.Contains("may not container terminal", terminal.Message, StringComparison.Ordinal);

        Assert.Equal("sleep 1000", _host.Engine.Top(c.Str("engineId")).Roots[0].Command);
        await using var db = _host.NewDb();
        var denied = await db.Audit.Where(a => a.Actor == "watcher" && a.Outcome == "denied").Select(a => a.Action).ToListAsync();
        Assert.Contains("container.kill-process", denied);
        Assert.Contains("container.terminal", denied);
    }

    [Fact]
    public async Task KillProcess_Member_SignalsTheProcessAndAudits()
    {
        using var admin = await _host.AdminAsync();
        var c = await admin.Launch(new { image = "busybox", command = new[] { "sh", "-c", "sleep 1000 & exec sleep 2000" } });
        var engineId = c.Str("engineId");
        await HostHarness.WaitUntilAsync(() => Task.FromResult(_host.Engine.Top(engineId).Walk().Any(n => n.Node.Command == "sleep 1000")), "the child process");
        var child = _host.Engine.Top(engineId).Walk().First(n => n.Node.Command == "sleep 1000").Node.Pid;
        await _host.CreateUserAsync("worker", "default", TeamRole.Member);
        using var member = await _host.UserAsync("worker");
        await using var hub = await _host.ConnectAsync(member);

        await hub.InvokeAsync("KillProcess", Guid.Parse(c.Str("id")), child, 9);
        await HostHarness.WaitUntilAsync(() => Task.FromResult(!_host.Engine.Top(engineId).Walk().Any(n => n.Node.Pid == child && n.Node.State != 'Z')), "the process to die");
        await using var db = _host.NewDb();
        var entry = await db.Audit.SingleAsync(a => a.Action == "container.kill-process" && a.Outcome == "allowed");
        Assert.Equal("worker", entry.Actor);
        Assert.Contains($"pid {child} (sleep 1000) signal 9", entry.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Terminal_EchoArithmetic_Reads42ThenExitEndsOutput()
    {
        using var admin = await _host.AdminAsync();
        var id = Guid.Parse((await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" } })).Str("id"));
        await using var hub = await _host.ConnectAsync(admin);
        var terminalId = await hub.InvokeAsync<string>("OpenTerminal", id, 80, 24);

        // Another connection cannot use the id.
        await using (var other = await _host.ConnectAsync(admin))
        {
            var refused = await Assert.ThrowsAsync<HubException>(() => other.InvokeAsync("TerminalInput", terminalId, "echo intruder\n"));
            Assert.Contains("not found", refused.Message, StringComparison.Ordinal);
        }

        var text = new StringBuilder();
        var output = hub.StreamAsync<byte[]>("TerminalOutput", terminalId);
        await hub.InvokeAsync("ResizeTerminal", terminalId, 100, 30);
        await hub.InvokeAsync("TerminalInput", terminalId, "echo $((6*7))\n");
        await using var reader = output.GetAsyncEnumerator();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!text.ToString().Contains("42", StringComparison.Ordinal))
        {
            Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(timeout.Token), "the terminal closed before 42: " + text);
            text.Append(Encoding.UTF8.GetString(reader.Current));
        }
        Assert.DoesNotContain("intruder", text.ToString(), StringComparison.Ordinal);
        await hub.InvokeAsync("TerminalInput", terminalId, "exit\n");
        while (await reader.MoveNextAsync().AsTask().WaitAsync(timeout.Token)) { }

        await using var db = _host.NewDb();
        var entry = await db.Audit.SingleAsync(a => a.Action == "container.terminal");
        Assert.Equal(("admin", "allowed"), (entry.Actor, entry.Outcome));
        Assert.Equal(id.ToString(), entry.TargetId);
        // The shell is gone from the container.
        Assert.DoesNotContain(_host.Engine.Top((await admin.Get($"api/v1/containers/{id}")).Str("engineId")).Walk(), n => n.Node.Command.StartsWith("/bin/sh", StringComparison.Ordinal));
    }
}
