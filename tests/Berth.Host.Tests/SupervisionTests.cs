using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Berth.ControlPlane.Jobs;
using Berth.Engine;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Host.Tests;

public sealed class SupervisionTests
{
    [Fact]
    public async Task HostRestart_ContainersKeepRunning_ExitWhileDownRecordedOnStart()
    {
        await using var host = await HostHarness.StartAsync();
        using (var admin = await host.AdminAsync())
        {
            var keep = await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, name = "keeps-running" });
            var ends = await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, name = "ends-while-down" });
            await host.StopHostAsync();

            // While the host is down: one container goes on, the other is killed.
            var engine = host.Engine;
            Assert.True(ContainerEngine.IsShimAlive(engine.Inspect(keep.Str("engineId"))));
            engine.Kill(ends.Str("engineId"), 9);
            HostHarnessWait(() => !ContainerEngine.IsShimAlive(engine.Inspect(ends.Str("engineId"))), "the container to end");

            await host.StartHostAsync();
        }
        using var client = await host.AdminAsync();
        var containers = (await client.Get("api/v1/containers")).EnumerateArray().ToDictionary(c => c.Str("name"));
        Assert.Equal("running", containers["keeps-running"].Str("state"));
        var endedId = containers["ends-while-down"].Str("id");
        await HostHarness.WaitUntilAsync(async () => (await client.Get($"api/v1/containers/{endedId}")).Str("state") == "stopped", "the exit to be recorded");
        var run = Assert.Single((await client.Get($"api/v1/containers/{endedId}/runs")).EnumerateArray());
        Assert.Equal(137, run.GetProperty("exitCode").GetInt32());
        Assert.Equal(9, run.GetProperty("signal").GetInt32());
        Assert.Single((await client.Get($"api/v1/containers/{containers["keeps-running"].Str("id")}/runs")).EnumerateArray());
    }

    [Fact]
    public async Task Restart_OldExitReadAfterTheNextStartWasRecorded_NextRunStaysOpen()
    {
        await using var host = await HostHarness.StartAsync();
        string id;
        using (var admin = await host.AdminAsync())
        {
            id = (await admin.Launch(new { image = "busybox", command = new[] { "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done" } })).Str("id");
            await host.StopHostAsync();
        }

        // The restart job runs with no event ingestor going: the old process's exit (code 0, from its TERM trap) is in
        // the node's journal, and is read only after the job recorded the next start.
        await host.WithServicesAsync(s => s.GetRequiredService<ContainerJobs>().RestartAsync(Guid.Parse(id), null, CancellationToken.None));
        await host.StartHostAsync();

        await using (var db = host.NewDb())
            await HostHarness.WaitUntilAsync(() => db.Events.AnyAsync(e => e.ContainerId == Guid.Parse(id) && e.Action == "die"), "the old exit to be read");
        using var client = await host.AdminAsync();
        var runs = (await client.Get($"api/v1/containers/{id}/runs")).EnumerateArray().ToList();
        Assert.Equal(2, runs.Count);
        Assert.Equal(JsonValueKind.Null, runs[0].GetProperty("endedAt").ValueKind);
        Assert.Equal(("restart", 0), (runs[1].Str("reason"), runs[1].GetProperty("exitCode").GetInt32()));
        Assert.Equal("running", (await client.Get($"api/v1/containers/{id}")).Str("state"));
    }

    [Fact]
    public async Task PostgresOutage_ApiAnswers503_HistoryOfExitDuringOutageKept()
    {
        using var server = PostgresServer.StartPrivate();
        await using var host = await HostHarness.StartAsync(server: server);
        using var admin = await host.AdminAsync();
        var c = await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" } });
        var id = c.Str("id");

        server.Stop();
        try
        {
            var response = await admin.GetAsync("api/v1/containers");
            Assert.Contains("PostgreSQL", await response.Problem(HttpStatusCode.ServiceUnavailable), StringComparison.Ordinal);
            using var probe = host.Anonymous();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await probe.GetAsync("readyz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("healthz")).StatusCode);
            // The container does not depend on the database: it runs on, and its end is recorded later.
            Assert.True(ContainerEngine.IsShimAlive(host.Engine.Inspect(c.Str("engineId"))));
            host.Engine.Kill(c.Str("engineId"), 9);
            HostHarnessWait(() => !ContainerEngine.IsShimAlive(host.Engine.Inspect(c.Str("engineId"))), "the container to end");
        }
        finally
        {
            server.Start();
        }
        await HostHarness.WaitUntilAsync(async () =>
        {
            var r = await admin.GetAsync($"api/v1/containers/{id}");
            return r.IsSuccessStatusCode && (await r.Content.ReadFromJsonAsync<JsonElement>()).Str("state") == "stopped";
        }, "the exit during the outage to be recorded", 30);
        var run = Assert.Single((await admin.Get($"api/v1/containers/{id}/runs")).EnumerateArray());
        Assert.Equal(137, run.GetProperty("exitCode").GetInt32());
        using var after = host.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await after.GetAsync("readyz")).StatusCode);
    }

    [Fact]
    public async Task TimeToLive_Expires_ContainerStoppedRunReasonTtlAuditedAsSystem()
    {
        await using var host = await HostHarness.StartAsync();
        using var admin = await host.AdminAsync();
        var id = (await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, ttlSeconds = 2 })).Str("id");
        await HostHarness.WaitUntilAsync(async () => (await admin.Get($"api/v1/containers/{id}")).Str("state") == "stopped", "the time to live to end", 30);
        var run = Assert.Single((await admin.Get($"api/v1/containers/{id}/runs")).EnumerateArray());
        Assert.Equal("ttl", run.Str("reason"));
        await using var db = host.NewDb();
        Assert.True(await db.Audit.AnyAsync(a => a.Action == "container.stop" && a.Actor == "system" && a.TargetId == id));
    }

    [Fact]
    public async Task RestartPolicy_OnFailure_RunsRecordedPerRestart()
    {
        await using var host = await HostHarness.StartAsync();
        using var admin = await host.AdminAsync();
        var id = (await admin.Launch(new { image = "busybox", command = new[] { "sh", "-c", "exit 5" }, restartPolicy = "on-failure", maxRetries = 2 })).Str("id");
        await HostHarness.WaitUntilAsync(async () => (await admin.Get($"api/v1/containers/{id}/runs")).GetArrayLength() == 3
            && (await admin.Get($"api/v1/containers/{id}")).Str("state") == "stopped", "three runs", 30);
        var runs = (await admin.Get($"api/v1/containers/{id}/runs")).EnumerateArray().ToList();
        Assert.All(runs, r => Assert.Equal(5, r.GetProperty("exitCode").GetInt32()));
        Assert.Equal("admin", runs[^1].Str("startedBy"));
        Assert.Equal(JsonValueKind.Null, runs[0].GetProperty("startedBy").ValueKind);
        Assert.Equal(2, (await admin.Get($"api/v1/containers/{id}")).GetProperty("restartCount").GetInt32());
    }

    [Fact]
    public async Task RestartPolicy_RestartsOfTwoContainersInOneBatch_EachRunRecorded()
    {
        await using var host = await HostHarness.StartAsync();
        using var admin = await host.AdminAsync();
        var endsLaunch = await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, restartPolicy = "on-failure", maxRetries = 1 });
        var restartedLaunch = await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, restartPolicy = "always" });
        var (endsId, ends) = (endsLaunch.Str("id"), endsLaunch.Str("engineId"));
        var (restartedId, restarted) = (restartedLaunch.Str("id"), restartedLaunch.Str("engineId"));
        await host.StopHostAsync();

        // While the host is down the journal gathers, for both: exit, restart, start; and for one a last exit.
        // The host reads them all in its first batch.
        var engine = host.Engine;
        foreach (var engineId in new[] { ends, restarted })
        {
            engine.Kill(engineId, 9);
            HostHarnessWait(() => engine.Inspect(engineId).State is { RestartCount: 1, Status: ContainerStatus.Running }, "a restart by policy");
        }
        engine.Kill(ends, 9);
        HostHarnessWait(() => !ContainerEngine.IsShimAlive(engine.Inspect(ends)), "the last exit");
        await host.StartHostAsync();

        using var client = await host.AdminAsync();
        await HostHarness.WaitUntilAsync(async () => (await client.Get($"api/v1/containers/{endsId}/runs")).GetArrayLength() == 2
            && (await client.Get($"api/v1/containers/{restartedId}/runs")).GetArrayLength() == 2
            && (await client.Get($"api/v1/containers/{endsId}")).Str("state") == "stopped", "the batch to be recorded");

        var endedRuns = (await client.Get($"api/v1/containers/{endsId}/runs")).EnumerateArray().ToList();
        Assert.All(endedRuns, r => Assert.Equal(137, r.GetProperty("exitCode").GetInt32()));
        var restartedRuns = (await client.Get($"api/v1/containers/{restartedId}/runs")).EnumerateArray().ToList();
        Assert.Equal(JsonValueKind.Null, restartedRuns[0].GetProperty("endedAt").ValueKind);
        Assert.Equal(137, restartedRuns[1].GetProperty("exitCode").GetInt32());
        var restartedNow = await client.Get($"api/v1/containers/{restartedId}");
        Assert.Equal("running", restartedNow.Str("state"));
        Assert.Equal(1, restartedNow.GetProperty("restartCount").GetInt32());
        Assert.Equal(1, (await client.Get($"api/v1/containers/{endsId}")).GetProperty("restartCount").GetInt32());
    }

    [Fact]
    public async Task Reconcile_ContainerRemovedBehindOurBack_MarkedLostAndRunClosed()
    {
        await using var host = await HostHarness.StartAsync();
        using var admin = await host.AdminAsync();
        var c = await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" } });
        host.Engine.Remove(c.Str("engineId"), force: true);
        await HostHarness.WaitUntilAsync(async () => (await admin.Get($"api/v1/containers/{c.Str("id")}")).Str("state") == "lost", "the container to be marked lost");
        var run = Assert.Single((await admin.Get($"api/v1/containers/{c.Str("id")}/runs")).EnumerateArray());
        Assert.NotEqual(JsonValueKind.Null, run.GetProperty("endedAt").ValueKind);
    }

    [Fact]
    public async Task HttpHealthCheck_ServedThenFailing_HealthyThenStoppedAsUnhealthy()
    {
        await using var host = await HostHarness.StartAsync();
        using var admin = await host.AdminAsync();
        var id = (await admin.Launch(new
        {
            image = "busybox",
            command = new[] { "sh", "-c", "mkdir -p /www && echo ok > /www/health && httpd -p 8080 -h /www && exec sleep 1000" },
            healthCheck = new { httpPort = 8080, httpPath = "/health", intervalSeconds = 1, timeoutSeconds = 1, retries = 2, action = "stop" },
        })).Str("id");
        JsonElement seen = default;
        await HostHarness.WaitUntilAsync(async () => (seen = await admin.Get($"api/v1/containers/{id}")).GetProperty("health").GetString() == "healthy", "healthy");
        // The page it serves goes away: the checks start failing.
        Assert.Equal(0, host.Engine.Exec(seen.Str("engineId"), ["rm", "/www/health"], new ExecRequest()));
        await HostHarness.WaitUntilAsync(async () => (await admin.Get($"api/v1/containers/{id}")).Str("state") == "stopped", "the unhealthy container to be stopped", 30);
        var c = await admin.Get($"api/v1/containers/{id}");
        Assert.Equal("unhealthy", c.GetProperty("health").GetString());
        Assert.Equal("stopped", c.Str("desiredState"));
        Assert.Equal("unhealthy", (await admin.Get($"api/v1/containers/{id}/runs"))[0].Str("reason"));
    }

    [Fact]
    public async Task HttpHealthCheck_LaunchedBesideOthers_EachCheckedContainerRecordedOthersLeftAlone()
    {
        await using var host = await HostHarness.StartAsync();
        using var admin = await host.AdminAsync();
        var served = (await admin.Launch(new
        {
            image = "busybox",
            command = new[] { "sh", "-c", "mkdir -p /www && echo ok > /www/health && exec httpd -f -p 8080 -h /www" },
            healthCheck = new { httpPort = 8080, httpPath = "/health", intervalSeconds = 1, timeoutSeconds = 1, retries = 2, action = "none" },
        })).Str("id");
        await HostHarness.WaitUntilAsync(async () => (await admin.Get($"api/v1/containers/{served}")).GetProperty("health").GetString() == "healthy", "healthy");

        // Launched after the first is being checked: picked up without a restart of the host.
        var plain = (await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" } })).Str("id");
        var refused = (await admin.Launch(new
        {
            image = "busybox",
            command = new[] { "sleep", "1000" },
            healthCheck = new { httpPort = 8081, intervalSeconds = 1, timeoutSeconds = 1, retries = 1, action = "none" },
        })).Str("id");
        await HostHarness.WaitUntilAsync(async () => (await admin.Get($"api/v1/containers/{refused}")).GetProperty("health").GetString() == "unhealthy", "unhealthy", 30);

        Assert.Equal("running", (await admin.Get($"api/v1/containers/{refused}")).Str("state"));
        Assert.Equal("healthy", (await admin.Get($"api/v1/containers/{served}")).GetProperty("health").GetString());
        Assert.Equal(JsonValueKind.Null, (await admin.Get($"api/v1/containers/{plain}")).GetProperty("health").ValueKind);
        await using var db = host.NewDb();
        Assert.False(await db.Events.AnyAsync(e => e.ContainerId == Guid.Parse(plain) && e.Action == "health"));
    }

    [Fact]
    public async Task HttpHealthCheck_NothingServed_CheckedAgainAfterEachRestart()
    {
        await using var host = await HostHarness.StartAsync();
        using var admin = await host.AdminAsync();
        var id = (await admin.Launch(new
        {
            image = "busybox",
            command = new[] { "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done" },
            healthCheck = new { httpPort = 8080, intervalSeconds = 1, timeoutSeconds = 1, retries = 1, action = "restart" },
        })).Str("id");
        await HostHarness.WaitUntilAsync(async () => (await admin.Get($"api/v1/containers/{id}/runs")).GetArrayLength() >= 3, "two restarts for health", 60);
        var runs = (await admin.Get($"api/v1/containers/{id}/runs")).EnumerateArray().ToList();
        Assert.All(runs.Skip(1), r => Assert.Equal("unhealthy", r.Str("reason")));
    }

    [Fact]
    public async Task CommandHealthCheck_Failing_RestartedAsUnhealthy()
    {
        await using var host = await HostHarness.StartAsync();
        using var admin = await host.AdminAsync();
        var id = (await admin.Launch(new
        {
            image = "busybox",
            command = new[] { "sleep", "1000" },
            healthCheck = new { command = "test -f /tmp/never", intervalSeconds = 1, timeoutSeconds = 1, retries = 1, action = "restart" },
        })).Str("id");
        await HostHarness.WaitUntilAsync(async () => (await admin.Get($"api/v1/containers/{id}/runs")).GetArrayLength() >= 2, "a restart for health", 30);
        var runs = (await admin.Get($"api/v1/containers/{id}/runs")).EnumerateArray().ToList();
        Assert.Equal("unhealthy", runs[^1].Str("reason"));
        await using var db = host.NewDb();
        Assert.True(await db.Events.AnyAsync(e => e.ContainerId == Guid.Parse(id) && e.Action == "health" && e.Detail == "unhealthy"));
    }

    private static void HostHarnessWait(Func<bool> condition, string what)
        => HostHarness.WaitUntilAsync(() => Task.FromResult(condition()), what).GetAwaiter().GetResult();
}
