using System.Net;
using System.Text.Json;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Tests;

public sealed class StatsHistoryApiTests : HostTest
{
    private const long MiB = 1024 * 1024;

    /// <summary>A container that never ran (its usage is the test's to write), and its team.</summary>
    private async Task<(Guid Id, Guid TeamId)> ContainerAsync(HttpClient client)
    {
        var id = (await client.Launch(new { image = "busybox", command = new[] { "true" }, start = false })).Id();
        await using var db = Host.NewDb();
        return (id, await db.Containers.Where(c => c.Id == id).Select(c => c.TeamId).SingleAsync());
    }

    private async Task AddSamplesAsync(params UsageSample[] samples)
    {
        await using var db = Host.NewDb();
        db.UsageSamples.AddRange(samples);
        await db.SaveChangesAsync();
    }

    private static UsageSample Sample(Guid container, Guid team, DateTimeOffset time, double seconds, double cpuSeconds = 0, long memory = 0, long pids = 0, long read = 0, long write = 0)
        => new()
        {
            ContainerId = container, TeamId = team, UserId = Guid.NewGuid(), Time = time, IntervalSeconds = seconds, CpuSeconds = cpuSeconds,
            MemoryBytes = memory, Pids = pids, IoReadBytes = read, IoWriteBytes = write,
        };

    private static string Range(DateTimeOffset from, DateTimeOffset to) => $"from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}";

    [Fact]
    public async Task History_SamplesInMinuteBuckets_OnePointPerBucketWithCpuPercentMeanMemoryMaxPidsAndRates()
    {
        using var admin = await Host.AdminAsync();
        var (id, team) = await ContainerAsync(admin);
        var (other, _) = await ContainerAsync(admin);
        var now = DateTimeOffset.UtcNow;
        var from = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(-10);
        var to = from.AddMinutes(10);
        await AddSamplesAsync(
            // Bucket 1 is (from, from + 60 s]: a sample that ends on its edge is its own.
            Sample(id, team, from.AddSeconds(10), 10, cpuSeconds: 5, memory: 100 * MiB, pids: 3, read: 1000, write: 2000),
            Sample(id, team, from.AddSeconds(60), 30, cpuSeconds: 3, memory: 200 * MiB, pids: 5, read: 3000),
            // Bucket 3: two cores busy.
            Sample(id, team, from.AddSeconds(150), 10, cpuSeconds: 20, memory: 50 * MiB, pids: 1, write: 10240),
            // Outside: ending at from (its interval is before it), after to (and after now), or another container's.
            Sample(id, team, from, 10, cpuSeconds: 10, memory: 999 * MiB, pids: 99),
            Sample(id, team, to.AddMinutes(5), 10, cpuSeconds: 10, memory: 999 * MiB, pids: 99),
            Sample(other, team, from.AddSeconds(30), 10, cpuSeconds: 10, memory: 999 * MiB, pids: 99));

        var points = (await admin.Get($"api/v1/containers/{id}/stats/history?{Range(from, to)}&points=10")).EnumerateArray().ToList();

        Assert.Equal(2, points.Count);
        var first = points[0];
        Assert.Equal(from.AddSeconds(60), first.GetProperty("time").GetDateTimeOffset());
        Assert.Equal(40, first.GetProperty("seconds").GetDouble());
        Assert.Equal(20, first.GetProperty("cpuPercent").GetDouble());
        Assert.Equal(175 * MiB, first.GetProperty("memoryWorkingSetBytes").GetInt64());
        Assert.Equal(5, first.GetProperty("pids").GetInt64());
        Assert.Equal(100, first.GetProperty("ioReadBytesPerSecond").GetDouble());
        Assert.Equal(50, first.GetProperty("ioWriteBytesPerSecond").GetDouble());
        var second = points[1];
        Assert.Equal(from.AddSeconds(150), second.GetProperty("time").GetDateTimeOffset());
        Assert.Equal(200, second.GetProperty("cpuPercent").GetDouble());
        Assert.Equal(50 * MiB, second.GetProperty("memoryWorkingSetBytes").GetInt64());
        Assert.Equal(1, second.GetProperty("pids").GetInt64());
        Assert.Equal(0, second.GetProperty("ioReadBytesPerSecond").GetDouble());
        Assert.Equal(1024, second.GetProperty("ioWriteBytesPerSecond").GetDouble());

        // One bucket for the whole period takes every sample of it together.
        var whole = Assert.Single((await admin.Get($"api/v1/containers/{id}/stats/history?{Range(from, to)}&points=1")).EnumerateArray());
        Assert.Equal(50, whole.GetProperty("seconds").GetDouble());
        Assert.Equal(56, whole.GetProperty("cpuPercent").GetDouble());
        Assert.Equal(5, whole.GetProperty("pids").GetInt64());
        // By default the hour before now: the samples of the last ten minutes are in it, the one at from too.
        Assert.Equal(60, (await admin.Get($"api/v1/containers/{id}/stats/history")).EnumerateArray().Sum(p => p.GetProperty("seconds").GetDouble()));
        Assert.Equal(0, (await admin.Get($"api/v1/containers/{id}/stats/history?{Range(from.AddDays(-2), from.AddDays(-1))}")).GetArrayLength());
    }

    [Fact]
    public async Task History_OtherTeamNotFound_ViewerAllowed_BadRangeOrPointsRefused400()
    {
        using var admin = await Host.AdminAsync();
        var (id, team) = await ContainerAsync(admin);
        var now = DateTimeOffset.UtcNow;
        await AddSamplesAsync(Sample(id, team, now.AddMinutes(-1), 10, cpuSeconds: 1, memory: MiB, pids: 1));
        await Host.CreateUserAsync("outsider", "elsewhere", TeamRole.Owner);
        await Host.CreateUserAsync("onlooker", "default", TeamRole.Viewer);
        using var outsider = await Host.UserAsync("outsider");
        using var onlooker = await Host.UserAsync("onlooker");

        Assert.Contains($"container {id} not found", await (await outsider.GetAsync($"api/v1/containers/{id}/stats/history")).Problem(HttpStatusCode.NotFound), StringComparison.Ordinal);
        await (await admin.GetAsync($"api/v1/containers/{Guid.NewGuid()}/stats/history")).Problem(HttpStatusCode.NotFound);
        var seen = Assert.Single((await onlooker.Get($"api/v1/containers/{id}/stats/history")).EnumerateArray());
        Assert.Equal(10, seen.GetProperty("cpuPercent").GetDouble());

        var path = $"api/v1/containers/{id}/stats/history";
        Assert.Contains("must be before", await (await admin.GetAsync($"{path}?{Range(now, now)}")).Problem(HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Contains("must be before", await (await admin.GetAsync($"{path}?{Range(now, now.AddHours(-1))}")).Problem(HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Contains("at most 31 days", await (await admin.GetAsync($"{path}?{Range(now.AddDays(-40), now)}")).Problem(HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Contains("points must be 1 to 1000", await (await admin.GetAsync($"{path}?points=0")).Problem(HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Contains("points must be 1 to 1000", await (await admin.GetAsync($"{path}?points=1001")).Problem(HttpStatusCode.BadRequest), StringComparison.Ordinal);
        await (await admin.GetAsync($"{path}?from=yesterday")).Problem(HttpStatusCode.BadRequest);
    }
}
