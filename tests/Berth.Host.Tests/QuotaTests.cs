using System.Net;
using System.Net.Http.Json;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Tests;

public sealed class QuotaTests : IAsyncLifetime
{
    private HostHarness _host = null!;

    public async Task InitializeAsync() => _host = await HostHarness.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Launch_OverMemoryQuota_422NamesQuotaAndExcess_AuditedDenied_StoppedShareGivenBack()
    {
        var (_, teamId) = await _host.CreateUserAsync("dev", "devs", TeamRole.Member);
        await using (var db = _host.NewDb())
        {
            db.Quotas.Add(new Quota { TeamId = teamId, MaxMemoryBytes = 100L * 1024 * 1024, MaxContainers = 3 });
            await db.SaveChangesAsync();
        }
        using var dev = await _host.UserAsync("dev");
        var first = await dev.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, memoryBytes = 64L * 1024 * 1024 });

        var refused = await dev.PostAsJsonAsync("api/v1/containers", new { image = "busybox", command = new[] { "sleep", "1000" }, memoryBytes = 64L * 1024 * 1024, name = "second" });
        var detail = await refused.Problem(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("memory quota is 100 MiB", detail, StringComparison.Ordinal);
        Assert.Contains("28 MiB over", detail, StringComparison.Ordinal);
        await using (var db = _host.NewDb())
        {
            Assert.Equal(1, await db.Containers.CountAsync(c => c.TeamId == teamId));
            var denied = await db.Audit.SingleAsync(a => a.Action == "container.create" && a.Outcome == "denied");
            Assert.Equal("dev", denied.Actor);
            Assert.Contains("quota", denied.Detail, StringComparison.Ordinal);
        }

        await (await dev.PostAsync($"api/v1/containers/{first.Str("id")}/stop", null)).Json(HttpStatusCode.OK);
        var second = await dev.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, memoryBytes = 64L * 1024 * 1024, name = "second" });
        Assert.Equal("running", second.Str("state"));

        // The stopped one cannot start again while the other holds the share, and the third container is the last allowed.
        var restart = await dev.PostAsync($"api/v1/containers/{first.Str("id")}/start", null);
        Assert.Contains("memory quota", await restart.Problem(HttpStatusCode.UnprocessableEntity), StringComparison.Ordinal);
        await dev.Launch(new { image = "busybox", command = new[] { "true" }, memoryBytes = 8L * 1024 * 1024, start = false });
        var fourth = await dev.PostAsJsonAsync("api/v1/containers", new { image = "busybox", command = new[] { "true" }, memoryBytes = 8L * 1024 * 1024 });
        Assert.Contains("may have 3 containers", await fourth.Problem(HttpStatusCode.UnprocessableEntity), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Launch_AfterAContainerExitedByItself_ItsShareIsFree()
    {
        var (_, teamId) = await _host.CreateUserAsync("oneshot", "oneshots", TeamRole.Member);
        await using (var db = _host.NewDb())
        {
            db.Quotas.Add(new Quota { TeamId = teamId, MaxMemoryBytes = 100L * 1024 * 1024 });
            await db.SaveChangesAsync();
        }
        using var dev = await _host.UserAsync("oneshot");
        var done = await dev.Launch(new { image = "busybox", command = new[] { "true" }, memoryBytes = 64L * 1024 * 1024 });
        await HostHarness.WaitUntilAsync(async () => (await dev.Get($"api/v1/containers/{done.Str("id")}")).Str("state") == "stopped", "the container to exit");

        var next = await dev.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, memoryBytes = 64L * 1024 * 1024 });

        Assert.Equal("running", next.Str("state"));
        var quota = await dev.Get($"api/v1/teams/{teamId}/quota");
        Assert.Equal(64L * 1024 * 1024, quota.GetProperty("used").GetProperty("memoryBytes").GetInt64());
        Assert.Equal(2, quota.GetProperty("used").GetProperty("containers").GetInt64());
    }

    [Fact]
    public async Task Launch_ConcurrentAtTheLimit_OnlyOneAdmitted()
    {
        var (_, teamId) = await _host.CreateUserAsync("racer", "racers", TeamRole.Member);
        await using (var db = _host.NewDb())
        {
            db.Quotas.Add(new Quota { TeamId = teamId, MaxCpus = 1 });
            await db.SaveChangesAsync();
        }
        using var racer = await _host.UserAsync("racer");
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            racer.PostAsJsonAsync("api/v1/containers", new { image = "busybox", command = new[] { "sleep", "1000" }, cpus = 0.75, name = $"r{i}" })));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.UnprocessableEntity));
    }
}
