using System.Net;
using System.Text.Json;
using Berth.Data.Entities;

namespace Berth.Host.Tests;

public sealed class RunApiTests : HostTest
{
    [Fact]
    public async Task Runs_AcrossContainers_FilteredByExitTeamUserImageAndTime()
    {
        using var admin = await Host.AdminAsync();
        await Host.CreateUserAsync("mia", "web", TeamRole.Member);
        await Host.CreateUserAsync("tom", "api", TeamRole.Member);
        using var mia = await Host.UserAsync("mia");
        using var tom = await Host.UserAsync("tom");
        var ok = await RunToEndAsync(mia, new { image = "busybox", name = "ok", command = Exits(0) });
        var failed = await RunToEndAsync(mia, new { image = "busybox", name = "failed", command = Exits(3) });
        // The shell's variable grows past the limit (as the engine's own OOM test does it).
        var oom = await RunToEndAsync(mia, new { image = "busybox", name = "oom", memoryBytes = 16L << 20, command = new[] { "sh", "-c", "sleep 1; x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo survived" } });
        var other = await RunToEndAsync(tom, new { image = "busybox", name = "tom-ok", command = Exits(0) });

        Assert.Equal([oom, failed, ok], Ids(await mia.Get("api/v1/runs")));
        Assert.Equal([other], Ids(await tom.Get("api/v1/runs")));
        Assert.Equal([other, oom, failed, ok], Ids(await admin.Get("api/v1/runs")));
        Assert.Equal([other, ok], Ids(await admin.Get("api/v1/runs?exit=ok")));
        Assert.Equal([oom, failed], Ids(await admin.Get("api/v1/runs?exit=failed")));
        Assert.Equal([oom], Ids(await admin.Get("api/v1/runs?exit=oom")));
        Assert.Equal([failed], Ids(await admin.Get("api/v1/runs?exit=3")));
        Assert.Equal([other, ok], Ids(await admin.Get("api/v1/runs?exit=0")));
        Assert.Empty(Ids(await admin.Get("api/v1/runs?exit=42")));
        Assert.Equal([oom, failed, ok], Ids(await admin.Get("api/v1/runs?team=web")));
        Assert.Equal([other], Ids(await admin.Get("api/v1/runs?user=tom")));
        Assert.Empty(Ids(await admin.Get("api/v1/runs?user=nobody")));
        Assert.Equal(4, Ids(await admin.Get("api/v1/runs?image=busybox")).Count);
        Assert.Empty(Ids(await admin.Get("api/v1/runs?image=alpine")));
        Assert.Equal([other], Ids(await admin.Get("api/v1/runs?limit=1")));
        var future = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O"));
        Assert.Empty(Ids(await admin.Get($"api/v1/runs?from={future}")));
        Assert.Equal(4, Ids(await admin.Get($"api/v1/runs?to={future}")).Count);

        var run = (await mia.Get("api/v1/runs?exit=failed")).EnumerateArray().Single(r => r.Str("container") == "failed");
        Assert.Equal(3, run.GetProperty("exitCode").GetInt32());
        Assert.Equal("mia", run.Str("startedBy"));
        Assert.True((await mia.Get("api/v1/runs?exit=oom"))[0].GetProperty("oomKilled").GetBoolean());

        await (await mia.GetAsync("api/v1/runs?team=api")).Problem(HttpStatusCode.NotFound);
        await (await admin.GetAsync("api/v1/runs?exit=maybe")).Problem(HttpStatusCode.BadRequest);
        await (await admin.GetAsync("api/v1/runs?exit=256")).Problem(HttpStatusCode.BadRequest);
        await (await admin.GetAsync("api/v1/runs?exit=-1")).Problem(HttpStatusCode.BadRequest);
        await (await admin.GetAsync("api/v1/runs?limit=100000")).Problem(HttpStatusCode.BadRequest);
        await (await admin.GetAsync("api/v1/runs?from=yesterday")).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task RunsCsv_SameFiltersAndScope_ViewerRefused()
    {
        await Host.CreateUserAsync("mia", "web", TeamRole.Member);
        await Host.CreateUserAsync("vic", "web", TeamRole.Viewer);
        await Host.CreateUserAsync("aud", "web", TeamRole.Auditor);
        using var mia = await Host.UserAsync("mia");
        using var vic = await Host.UserAsync("vic");
        using var aud = await Host.UserAsync("aud");
        using var admin = await Host.AdminAsync();
        await RunToEndAsync(mia, new { image = "busybox", name = "first", command = Exits(1) });
        await RunToEndAsync(mia, new { image = "busybox", name = "second", command = Exits(0) });
        await RunToEndAsync(admin, new { image = "busybox", name = "admins", command = Exits(0) });

        var response = await aud.GetAsync("api/v1/runs.csv");
        Assert.StartsWith("text/csv", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n");
        Assert.Equal("id,containerId,container,teamId,image,startedBy,startedAt,endedAt,exitCode,signal,oomKilled,reason", lines[0]);
        Assert.Equal(4, lines.Length);
        var fields = lines[2].Split(',');
        Assert.Equal(("first", "busybox", "mia", "1", "false", "exited"), (fields[2], fields[4], fields[5], fields[8], fields[10], fields[11]));
        Assert.Equal("second", lines[1].Split(',')[2]);
        var failedOnly = (await mia.GetStringAsync("api/v1/runs.csv?exit=failed")).Split("\r\n");
        Assert.Equal(3, failedOnly.Length);
        Assert.Equal(5, (await admin.GetStringAsync("api/v1/runs.csv")).Split("\r\n").Length);

        var before = await Host.AuditHeadAsync();
        await (await vic.GetAsync("api/v1/runs")).Problem(HttpStatusCode.Forbidden);
        await Host.AssertDeniedAsync("vic", "run.read", before);
        await (await vic.GetAsync("api/v1/runs.csv")).Problem(HttpStatusCode.Forbidden);
    }

    /// <summary>
    /// A command that exits with <paramref name="code"/> after a second: an exit the engine reports before the launch
    /// has recorded its run is not ended by it (a race of the launch job and the event ingestor), which these tests
    /// are not about.
    /// </summary>
    private static string[] Exits(int code) => ["sh", "-c", $"sleep 1; exit {code}"];

    /// <summary>Launches a container and waits until its run has ended with an exit code; returns the run's id.</summary>
    private static async Task<Guid> RunToEndAsync(HttpClient client, object body)
    {
        var id = (await client.Launch(body)).Id();
        JsonElement runs = default;
        await HostHarness.WaitUntilAsync(async () => (runs = await client.Get($"api/v1/containers/{id}/runs")).GetArrayLength() == 1
            && runs[0].GetProperty("exitCode").ValueKind == JsonValueKind.Number, "the run to end", 30);
        return runs[0].Id();
    }

    private static List<Guid> Ids(JsonElement runs) => runs.EnumerateArray().Select(r => r.Id()).ToList();
}
