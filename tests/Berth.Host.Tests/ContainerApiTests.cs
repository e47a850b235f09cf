using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Tests;

public sealed class ContainerApiTests : IAsyncLifetime
{
    private HostHarness _host = null!;

    public async Task InitializeAsync() => _host = await HostHarness.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Launch_FullDefinition_RunsWithLimitsAndRecordsRunsAcrossStopAndStart()
    {
        using var admin = await _host.AdminAsync();
        var created = await admin.Launch(new
        {
            image = "busybox",
            command = new[] { "sh", "-c", "echo started $GREETING; exec sleep 1000" },
            name = "sandbox",
            memoryBytes = 64L * 1024 * 1024,
            cpus = 0.5,
            pidsLimit = 32,
            env = new Dictionary<string, string> { ["GREETING"] = "hello" },
            ttlSeconds = 3600,
        });
        var id = created.Str("id");
        Assert.Equal("running", created.Str("state"));
        Assert.Equal("sandbox", created.Str("name"));

        // What the node runs: the command, under the limits asked for.
        var record = _host.Engine.Inspect(created.Str("engineId"));
        Assert.Equal(64L * 1024 * 1024, record.Memory);
        Assert.Equal(32, record.PidsLimit);
        var stats = _host.Engine.Stats(record.Id);
        Assert.Equal(64UL * 1024 * 1024, stats.MemoryLimit);
        Assert.Contains(_host.Engine.Top(record.Id).Walk(), p => p.Node.Command.StartsWith("sleep 1000", StringComparison.Ordinal));
        await HostHarness.WaitUntilAsync(async () => (await admin.GetStringAsync($"api/v1/containers/{id}/logs")).Contains("started hello", StringComparison.Ordinal), "the container's log");

        var listed = await admin.Get("api/v1/containers");
        Assert.Contains(listed.EnumerateArray(), c => c.Str("id") == id);

        var stopped = await (await admin.PostAsync($"api/v1/containers/{id}/stop", null)).Json(HttpStatusCode.OK);
        Assert.Equal("stopped", stopped.Str("state"));
        Assert.False(ContainerEngineIsRunning(record.Id));
        var runs = await admin.Get($"api/v1/containers/{id}/runs");
        var run = Assert.Single(runs.EnumerateArray());
        Assert.Equal("stopped", run.Str("reason"));
        Assert.Equal("admin", run.Str("startedBy"));
        Assert.NotEqual(JsonValueKind.Null, run.GetProperty("endedAt").ValueKind);

        var started = await (await admin.PostAsync($"api/v1/containers/{id}/start", null)).Json(HttpStatusCode.OK);
        Assert.Equal("running", started.Str("state"));
        runs = await admin.Get($"api/v1/containers/{id}/runs");
        Assert.Equal(2, runs.GetArrayLength());
        Assert.Equal(JsonValueKind.Null, runs[0].GetProperty("endedAt").ValueKind);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/v1/containers/{id}")).StatusCode);
        Assert.Null(_host.Engine.Containers.TryFind(record.Id));
        var removed = await admin.Get($"api/v1/containers/{id}");
        Assert.Equal("removed", removed.Str("state"));
        Assert.DoesNotContain((await admin.Get("api/v1/containers")).EnumerateArray(), c => c.Str("id") == id);
        runs = await admin.Get($"api/v1/containers/{id}/runs");
        Assert.All(runs.EnumerateArray(), r => Assert.NotEqual(JsonValueKind.Null, r.GetProperty("endedAt").ValueKind));
    }

    [Fact]
    public async Task Launch_NameWithUnderscore_RunsWithTheNameAsHostnameDashed()
    {
        using var admin = await _host.AdminAsync();

        var created = await admin.Launch(new { image = "busybox", name = "web_1", command = new[] { "sh", "-c", "echo host=$(hostname); exec sleep 1000" } });

        Assert.Equal("running", created.Str("state"));
        Assert.Equal("web_1", created.Str("name"));
        await HostHarness.WaitUntilAsync(async () => (await admin.GetStringAsync($"api/v1/containers/{created.Str("id")}/logs")).Contains("host=web-1", StringComparison.Ordinal), "the container's hostname in its log");
    }

    [Fact]
    public async Task Launch_UserNamespace_AutoByDefaultAndHostWhenAsked()
    {
        using var admin = await _host.AdminAsync();

        var sandbox = await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" } });
        var shared = await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, userNamespace = "host" });

        Assert.Equal("auto", sandbox.Str("userNamespace"));
        Assert.Equal("host", shared.Str("userNamespace"));
        // What the node runs: the sandbox's root is a host range of its own, the other's is host root.
        var range = _host.Engine.Inspect(sandbox.Str("engineId")).UserNamespace;
        Assert.NotNull(range);
        Assert.NotEqual(0u, range!.HostUid);
        Assert.Null(_host.Engine.Inspect(shared.Str("engineId")).UserNamespace);
        var sandboxInit = _host.Engine.Top(sandbox.Str("engineId")).Walk().First().Node.Pid;
        var map = File.ReadAllText($"/proc/{sandboxInit}/uid_map").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(range.HostUid.ToString(System.Globalization.CultureInfo.InvariantCulture), map[1]);
    }

    [Fact]
    public async Task Launch_ProcessExits_RunRecordsExitCodeAndStateStopped()
    {
        using var admin = await _host.AdminAsync();
        var id = (await admin.Launch(new { image = "busybox", command = new[] { "sh", "-c", "exit 3" } })).Str("id");
        await HostHarness.WaitUntilAsync(async () => (await admin.Get($"api/v1/containers/{id}")).Str("state") == "stopped", "the container to stop");
        var c = await admin.Get($"api/v1/containers/{id}");
        Assert.Equal(3, c.GetProperty("exitCode").GetInt32());
        await HostHarness.WaitUntilAsync(async () => (await admin.Get($"api/v1/containers/{id}/runs"))[0].GetProperty("exitCode").ValueKind == JsonValueKind.Number, "the run's exit code");
        var run = (await admin.Get($"api/v1/containers/{id}/runs"))[0];
        Assert.Equal(3, run.GetProperty("exitCode").GetInt32());
        Assert.Equal("exited", run.Str("reason"));
    }

    [Fact]
    public async Task Launch_MissingCommand_StartFailsWith127AndStateFailed()
    {
        using var admin = await _host.AdminAsync();
        var c = await admin.Launch(new { image = "busybox", command = new[] { "/no/such/program" } });
        Assert.Equal("failed", c.Str("state"));
        Assert.Equal(127, c.GetProperty("exitCode").GetInt32());
        Assert.Contains("no/such/program", c.Str("error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Launch_ProcessExitsAtOnce_EveryRunClosedWithItsExitCode()
    {
        using var admin = await _host.AdminAsync();
        var ids = new List<string>();
        for (var i = 0; i < 8; i++) ids.Add((await admin.Launch(new { image = "busybox", command = new[] { "true" } })).Str("id"));
        foreach (var id in ids)
        {
            await HostHarness.WaitUntilAsync(async () => (await admin.Get($"api/v1/containers/{id}")).Str("state") == "stopped", $"container {id} to be stopped");
            var run = Assert.Single((await admin.Get($"api/v1/containers/{id}/runs")).EnumerateArray());
            Assert.Equal(0, run.GetProperty("exitCode").GetInt32());
            Assert.NotEqual(JsonValueKind.Null, run.GetProperty("endedAt").ValueKind);
        }
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"image":"no-such-image:1","command":["true"]}""", "no-such-image" },
        { """{"image":"busybox","memoryBytes":-5}""", "memoryBytes" },
        { """{"image":"busybox","cpus":0}""", "cpus" },
        { """{"image":"busybox","pidsLimit":0}""", "pidsLimit" },
        { """{"image":"busybox","ttlSeconds":-1}""", "ttlSeconds" },
        { """{"image":"busybox","name":"../etc"}""", "name" },
        { """{"image":"busybox","env":{"1BAD":"x"}}""", "1BAD" },
        { """{"image":"busybox","restartPolicy":"sometimes"}""", "restartPolicy" },
        { """{"image":"busybox","userNamespace":"keep-id"}""", "userNamespace" },
        { """{"image":"busybox","mounts":["/etc:/host-etc"]}""", "" },
        { """{"image":"busybox","command":"not a list"}""", "" },
        { """{"image":"busybox","unknownField":1}""", "unknownField" },
        { """{"image":"busybox",""", "" },
        { """[1,2,3]""", "" },
        { """{}""", "image" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Launch_BadInput_ProblemDetailsAndNothingWritten(string body, string mentioned)
    {
        using var admin = await _host.AdminAsync();
        using var user = await MemberAsync();
        var audited = await ChangesAuditedAsync();
        // Host mounts are refused for members (403, audited as denied); the rest is malformed (400, nothing written).
        var client = body.Contains("mounts", StringComparison.Ordinal) ? user : admin;
        var response = await client.PostAsync("api/v1/containers", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var detail = await response.Problem(response.StatusCode);
        Assert.Contains(mentioned, detail, StringComparison.Ordinal);
        await using var db = _host.NewDb();
        Assert.Equal(0, await db.Containers.CountAsync());
        Assert.Empty(_host.Engine.List(all: true));
        Assert.Equal(audited + (response.StatusCode == HttpStatusCode.Forbidden ? 1 : 0), await ChangesAuditedAsync());
    }

    /// <summary>Audit entries other than sign-ins and the tokens they issue.</summary>
    private async Task<int> ChangesAuditedAsync()
    {
        await using var db = _host.NewDb();
        return await db.Audit.CountAsync(a => a.Action != "auth.login" && a.Action != "token.create" && a.Action != "user.create");
    }

    [Fact]
    public async Task Launch_OversizeBody_413AndNothingWritten()
    {
        using var admin = await _host.AdminAsync();
        var huge = "{\"image\":\"busybox\",\"env\":{\"BIG\":\"" + new string('x', 2 * 1024 * 1024) + "\"}}";
        var response = await admin.PostAsync("api/v1/containers", new StringContent(huge, Encoding.UTF8, "application/json"));
        await response.Problem(HttpStatusCode.RequestEntityTooLarge);
        await using var db = _host.NewDb();
        Assert.Equal(0, await db.Containers.CountAsync());
    }

    [Fact]
    public async Task Api_WithoutToken_401ProblemDetails()
    {
        using var anon = _host.Anonymous();
        await (await anon.GetAsync("api/v1/containers")).Problem(HttpStatusCode.Unauthorized);
        using var bad = _host.Anonymous();
        bad.DefaultRequestHeaders.Authorization = new("Bearer", "berth_not-a-real-token");
        await (await bad.GetAsync("api/v1/containers")).Problem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Launch_SameNameTwiceInTeam_409()
    {
        using var admin = await _host.AdminAsync();
        await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, name = "twin" });
        var response = await admin.PostAsJsonAsync("api/v1/containers", new { image = "busybox", command = new[] { "sleep", "1000" }, name = "twin" });
        Assert.Contains("twin", await response.Problem(HttpStatusCode.Conflict), StringComparison.Ordinal);
    }

    private bool ContainerEngineIsRunning(string engineId)
        => _host.Engine.Containers.TryFind(engineId) is { } r && Berth.Engine.ContainerEngine.IsShimAlive(r);

    private async Task<HttpClient> MemberAsync()
    {
        await _host.CreateUserAsync("member1", "default", TeamRole.Member);
        return await _host.UserAsync("member1");
    }
}
