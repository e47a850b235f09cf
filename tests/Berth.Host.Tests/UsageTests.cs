using System.Net;
using System.Text.Json;
using Berth.ControlPlane.Usage;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Host.Tests;

public sealed class UsageTests : IAsyncLifetime
{
    private HostHarness _host = null!;

    public async Task InitializeAsync() => _host = await HostHarness.StartAsync(new Dictionary<string, string?>
    {
        ["Berth:UsageFlushSeconds"] = "1",
        ["Berth:StatsIntervalMilliseconds"] = "500",
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Usage_AfterFlushAndRollup_RowsByContainerTeamUserAndCsv()
    {
        using var admin = await _host.AdminAsync();
        var id = Guid.Parse((await admin.Launch(new { image = "busybox", command = new[] { "sh", "-c", "while :; do :; done" }, cpus = 0.5, name = "burner" })).Str("id"));
        await HostHarness.WaitUntilAsync(async () =>
        {
            await using var db = _host.NewDb();
            return await db.UsageSamples.Where(s => s.ContainerId == id).SumAsync(s => s.CpuSeconds) > 0.5;
        }, "usage samples of a second of CPU", seconds: 30);
        // Stopped, so that no sample comes between the two roll-ups; its last usage is written at the next flush.
        await (await admin.PostAsync($"api/v1/containers/{id}/stop", null)).Json(HttpStatusCode.OK);
        var count = -1;
        await HostHarness.WaitUntilAsync(async () =>
        {
            await using var db = _host.NewDb();
            var now = await db.UsageSamples.CountAsync(s => s.ContainerId == id);
            if (now == count) return true;
            count = now;
            await Task.Delay(TimeSpan.FromSeconds(7));
            return false;
        }, "the last usage sample", seconds: 45);

        var jobs = _host.App!.Services.GetRequiredService<UsageJobs>();
        Assert.True(await jobs.RollupAsync(CancellationToken.None) >= 1);
        var first = await RollupOf(id);
        // Again over the same samples: the same numbers (it replaces, never adds).
        await _host.App!.Services.GetRequiredService<UsageJobs>().RollupAsync(CancellationToken.None);
        var again = await RollupOf(id);
        Assert.Equal(first.CpuSeconds, again.CpuSeconds);
        Assert.Equal(first.ContainerSeconds, again.ContainerSeconds);
        Assert.True(first.CpuSeconds > 0.5 && first.ContainerSeconds >= first.CpuSeconds, $"cpu {first.CpuSeconds} s in {first.ContainerSeconds} s");
        Assert.True(first.MemoryByteSeconds > 0);

        var byContainer = await admin.Get("api/v1/usage?by=container");
        var row = Assert.Single(byContainer.EnumerateArray());
        Assert.Equal(id.ToString(), row.Str("id"));
        Assert.Equal("burner", row.Str("name"));
        Assert.Equal("default", row.Str("team"));
        Assert.Equal(first.CpuSeconds / 3600, row.GetProperty("cpuHours").GetDouble(), 9);
        Assert.Equal(first.MemoryByteSeconds / (1024.0 * 1024 * 1024) / 3600, row.GetProperty("memoryGbHours").GetDouble(), 9);
        Assert.True(row.GetProperty("containerHours").GetDouble() > 0);
        Assert.Equal("default", Assert.Single((await admin.Get("api/v1/usage?by=team")).EnumerateArray()).Str("name"));
        Assert.Equal("admin", Assert.Single((await admin.Get("api/v1/usage?by=user")).EnumerateArray()).Str("name"));

        var csv = await admin.GetAsync("api/v1/usage.csv?by=container");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n");
        Assert.Equal(UsageCsv.Header, lines[0]);
        Assert.StartsWith($"{id},burner,", lines[1], StringComparison.Ordinal);
        Assert.Equal("", lines[^1]);

        // A member of another team sees none of it; a period before the container ran has nothing.
        await _host.CreateUserAsync("stranger", "elsewhere", TeamRole.Owner);
        using var stranger = await _host.UserAsync("stranger");
        Assert.Equal(0, (await stranger.Get("api/v1/usage?by=container")).GetArrayLength());
        var before = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-3).ToString("O"));
        var beforeEnd = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-2).ToString("O"));
        Assert.Equal(0, (await admin.Get($"api/v1/usage?from={before}&to={beforeEnd}")).GetArrayLength());
        Assert.Contains("by must be", await (await admin.GetAsync("api/v1/usage?by=planet")).Problem(HttpStatusCode.BadRequest), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_OwnContainers_VisibleToAPlainMember()
    {
        await _host.CreateUserAsync("builder", "default", TeamRole.Member);
        using var member = await _host.UserAsync("builder");
        var id = Guid.Parse((await member.Launch(new { image = "busybox", command = new[] { "sleep", "1000" } })).Str("id"));
        await HostHarness.WaitUntilAsync(async () =>
        {
            await using var db = _host.NewDb();
            return await db.UsageSamples.AnyAsync(s => s.ContainerId == id);
        }, "a usage sample", seconds: 30);
        await _host.App!.Services.GetRequiredService<UsageJobs>().RollupAsync(CancellationToken.None);
        var row = Assert.Single((await member.Get("api/v1/usage?by=container")).EnumerateArray());
        Assert.Equal(id.ToString(), row.Str("id"));
    }

    [Fact]
    public void Csv_FormulaAndSeparators_NeutralisedAndQuoted()
    {
        Assert.Equal("'=cmd|' /C calc'!A0", UsageCsv.Field("=cmd|' /C calc'!A0"));
        Assert.Equal("'+1", UsageCsv.Field("+1"));
        Assert.Equal("'-1", UsageCsv.Field("-1"));
        Assert.Equal("'@SUM(A1)", UsageCsv.Field("@SUM(A1)"));
        Assert.Equal("\"a,b\"", UsageCsv.Field("a,b"));
        Assert.Equal("\"say \"\"hi\"\"\"", UsageCsv.Field("say \"hi\""));
        Assert.Equal("\"'=1,2\"", UsageCsv.Field("=1,2"));
        Assert.Equal("plain", UsageCsv.Field("plain"));
    }

    [Fact]
    public async Task IdleStop_SleepingContainer_StoppedAsSystemWithReasonIdle()
    {
        using var admin = await _host.AdminAsync();
        var id = (await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, idleStopSeconds = 10 })).Str("id");
        var busy = (await admin.Launch(new { image = "busybox", command = new[] { "sh", "-c", "while :; do :; done" }, cpus = 0.2, idleStopSeconds = 10 })).Str("id");
        await HostHarness.WaitUntilAsync(async () => (await admin.Get($"api/v1/containers/{id}")).Str("state") == "stopped", "the idle container to stop", seconds: 45);

        var run = Assert.Single((await admin.Get($"api/v1/containers/{id}/runs")).EnumerateArray());
        Assert.Equal("idle", run.Str("reason"));
        var ran = run.GetProperty("endedAt").GetDateTimeOffset() - run.GetProperty("startedAt").GetDateTimeOffset();
        Assert.True(ran >= TimeSpan.FromSeconds(10), $"stopped after {ran}");
        await using var db = _host.NewDb();
        var stop = await db.Audit.SingleAsync(a => a.Action == "container.stop" && a.TargetId == id);
        Assert.Equal(("system", "allowed"), (stop.Actor, stop.Outcome));
        // A busy container with the same setting runs on.
        Assert.Equal("running", (await admin.Get($"api/v1/containers/{busy}")).Str("state"));
    }

    [Fact]
    public async Task Retention_OldSamplesAndRemovedContainersOldEvents_DeletedRestKept()
    {
        using var admin = await _host.AdminAsync();
        var removed = Guid.Parse((await admin.Launch(new { image = "busybox", command = new[] { "true" }, start = false })).Str("id"));
        var kept = Guid.Parse((await admin.Launch(new { image = "busybox", command = new[] { "true" }, start = false })).Str("id"));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/v1/containers/{removed}")).StatusCode);
        var old = DateTimeOffset.UtcNow.AddDays(-100);
        await using (var db = _host.NewDb())
        {
            var team = await db.Containers.Where(c => c.Id == removed).Select(c => c.TeamId).SingleAsync();
            db.Events.AddRange(
                new ContainerEvent { ContainerId = removed, TeamId = team, Action = "old", Time = old },
                new ContainerEvent { ContainerId = kept, TeamId = team, Action = "old", Time = old });
            db.UsageSamples.AddRange(
                new UsageSample { ContainerId = kept, TeamId = team, UserId = Guid.NewGuid(), Time = old, IntervalSeconds = 1 },
                new UsageSample { ContainerId = kept, TeamId = team, UserId = Guid.NewGuid(), Time = DateTimeOffset.UtcNow.AddDays(-1), IntervalSeconds = 1 });
            await db.SaveChangesAsync();
        }

        var (samples, events) = await _host.App!.Services.GetRequiredService<UsageJobs>().RetentionAsync(CancellationToken.None);
        Assert.Equal((1, 1), (samples, events));
        await using var check = _host.NewDb();
        Assert.False(await check.Events.AnyAsync(e => e.ContainerId == removed && e.Action == "old"));
        Assert.True(await check.Events.AnyAsync(e => e.ContainerId == removed && e.Action == "remove"));
        Assert.True(await check.Events.AnyAsync(e => e.ContainerId == kept && e.Action == "old"));
        Assert.Equal(1, await check.UsageSamples.CountAsync(s => s.ContainerId == kept));
    }

    private async Task<UsageRollup> RollupOf(Guid id)
    {
        await using var db = _host.NewDb();
        var rows = await db.UsageRollups.AsNoTracking().Where(r => r.ContainerId == id).ToListAsync();
        // The samples may fall on both sides of an hour's turn.
        return new UsageRollup
        {
            ContainerId = id,
            CpuSeconds = rows.Sum(r => r.CpuSeconds),
            ContainerSeconds = rows.Sum(r => r.ContainerSeconds),
            MemoryByteSeconds = rows.Sum(r => r.MemoryByteSeconds),
        };
    }
}
