using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Tests;

public sealed class TeamApiTests : HostTest
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task Teams_AdminCreatesAndDeletes_OthersSeeOnlyTheirOwn()
    {
        using var admin = await Host.AdminAsync();
        await Host.CreateUserAsync("bob", "bobs", TeamRole.Member);
        using var bob = await Host.UserAsync("bob");

        var alpha = await admin.Post("api/v1/teams", new { name = "alpha" });
        Assert.Equal("alpha", alpha.Str("name"));
        Assert.Equal(0, alpha.GetProperty("members").GetInt32());
        var id = alpha.Id();
        Assert.Equal("alpha", (await admin.Get($"api/v1/teams/{id}")).Str("name"));
        Assert.Contains((await admin.Get("api/v1/teams")).EnumerateArray(), t => t.Str("name") == "alpha");

        var bobsTeams = await bob.Get("api/v1/teams");
        var only = Assert.Single(bobsTeams.EnumerateArray());
        Assert.Equal("bobs", only.Str("name"));
        Assert.Equal("member", only.Str("role"));
        await (await bob.GetAsync($"api/v1/teams/{id}")).Problem(HttpStatusCode.NotFound);

        var before = await Host.AuditHeadAsync();
        await (await bob.PostAsJsonAsync("api/v1/teams", new { name = "bobs-own" })).Problem(HttpStatusCode.Forbidden);
        await Host.AssertDeniedAsync("bob", "team.create", before);
        await (await bob.DeleteAsync($"api/v1/teams/{id}")).Problem(HttpStatusCode.NotFound);
        await Host.AssertDeniedAsync("bob", "team.delete", before);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/v1/teams/{id}")).StatusCode);
        await (await admin.GetAsync($"api/v1/teams/{id}")).Problem(HttpStatusCode.NotFound);
        await using var db = Host.NewDb();
        Assert.False(await db.Teams.AnyAsync(t => t.Id == id));
        var trail = await Host.AuditAsync(a => a.TeamId == id && a.Outcome == "allowed");
        Assert.Equal(["team.create", "team.delete"], trail.Select(a => a.Action));
    }

    [Fact]
    public async Task DeleteTeam_WithLiveContainer_409UntilItIsRemoved()
    {
        using var admin = await Host.AdminAsync();
        var team = await admin.Post("api/v1/teams", new { name = "busy" });
        var container = await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, name = "keeper", team = "busy" });
        await admin.Post("api/v1/templates", new { team = "busy", name = "tpl", image = "busybox" });

        var detail = await (await admin.DeleteAsync($"api/v1/teams/{team.Id()}")).Problem(HttpStatusCode.Conflict);
        Assert.Contains("keeper", detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/v1/containers/{container.Id()}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/v1/teams/{team.Id()}")).StatusCode);
        await using var db = Host.NewDb();
        Assert.False(await db.Containers.AnyAsync(c => c.TeamId == team.Id()));
        Assert.False(await db.Templates.AnyAsync(t => t.TeamId == team.Id()));
        Assert.False(await db.Runs.AnyAsync(r => r.TeamId == team.Id()));
        Assert.True((await admin.Get("api/v1/audit/verify")).GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task Members_OwnerManagesThem_MemberCannot_LastOwnerStays()
    {
        var (_, teamId) = await Host.CreateUserAsync("olga", "ops", TeamRole.Owner);
        await Host.CreateUserAsync("mark", "ops", TeamRole.Member);
        await Host.CreateUserAsync("nina", "elsewhere", TeamRole.Member);
        using var olga = await Host.UserAsync("olga");
        using var mark = await Host.UserAsync("mark");

        var added = await olga.Put($"api/v1/teams/{teamId}/members/nina", new { role = "viewer" });
        Assert.Equal("viewer", added.Str("role"));
        var ninaId = added.Id("userId");
        await olga.Put($"api/v1/teams/{teamId}/members/{ninaId}", new { role = "auditor" });
        var members = await mark.Get($"api/v1/teams/{teamId}/members");
        Assert.Equal(["mark", "nina", "olga"], members.EnumerateArray().Select(m => m.Str("username")));
        Assert.Equal("auditor", members.EnumerateArray().Single(m => m.Str("username") == "nina").Str("role"));

        var before = await Host.AuditHeadAsync();
        await (await mark.PutAsJsonAsync($"api/v1/teams/{teamId}/members/mark", new { role = "owner" })).Problem(HttpStatusCode.Forbidden);
        await Host.AssertDeniedAsync("mark", "team.member.set", before);
        await (await mark.DeleteAsync($"api/v1/teams/{teamId}/members/nina")).Problem(HttpStatusCode.Forbidden);
        await Host.AssertDeniedAsync("mark", "team.member.remove", before);

        Assert.Contains("last owner", await (await olga.DeleteAsync($"api/v1/teams/{teamId}/members/olga")).Problem(HttpStatusCode.Conflict), StringComparison.Ordinal);
        Assert.Contains("last owner", await (await olga.PutAsJsonAsync($"api/v1/teams/{teamId}/members/olga", new { role = "member" })).Problem(HttpStatusCode.Conflict),
            StringComparison.Ordinal);
        await (await olga.PutAsJsonAsync($"api/v1/teams/{teamId}/members/nobody", new { role = "member" })).Problem(HttpStatusCode.NotFound);
        await (await olga.DeleteAsync($"api/v1/teams/{teamId}/members/{Guid.NewGuid()}")).Problem(HttpStatusCode.NotFound);

        // Anyone may leave; a removed member's rights go at once.
        Assert.Equal(HttpStatusCode.NoContent, (await mark.DeleteAsync($"api/v1/teams/{teamId}/members/mark")).StatusCode);
        await (await mark.GetAsync($"api/v1/teams/{teamId}")).Problem(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NoContent, (await olga.DeleteAsync($"api/v1/teams/{teamId}/members/nina")).StatusCode);
        var left = await olga.Get($"api/v1/teams/{teamId}/members");
        Assert.Equal(["olga"], left.EnumerateArray().Select(m => m.Str("username")));
        var trail = await Host.AuditAsync(a => a.TeamId == teamId && a.Outcome == "allowed");
        Assert.Equal(["team.member.set", "team.member.set", "team.member.remove", "team.member.remove"], trail.Select(a => a.Action));
    }

    [Fact]
    public async Task Quota_AdminSetsIt_ViewShowsUse_StaleVersion409()
    {
        using var admin = await Host.AdminAsync();
        var (_, teamId) = await Host.CreateUserAsync("owner1", "quota-team", TeamRole.Owner);
        using var owner = await Host.UserAsync("owner1");

        var none = await owner.Get($"api/v1/teams/{teamId}/quota");
        Assert.Equal(JsonValueKind.Null, none.GetProperty("maxMemoryBytes").ValueKind);
        Assert.Equal(JsonValueKind.Null, none.GetProperty("version").ValueKind);

        var before = await Host.AuditHeadAsync();
        await (await owner.PutAsJsonAsync($"api/v1/teams/{teamId}/quota", new { maxContainers = 10 })).Problem(HttpStatusCode.Forbidden);
        await Host.AssertDeniedAsync("owner1", "quota.update", before);

        var set = await admin.Put($"api/v1/teams/{teamId}/quota", new { maxContainers = 3, maxCpus = 2.5, maxMemoryBytes = 512 * MiB, maxPids = 500 });
        Assert.Equal(3, set.GetProperty("maxContainers").GetInt32());
        Assert.Equal(2.5, set.GetProperty("maxCpus").GetDouble());
        var version = set.GetProperty("version").GetUInt32();

        await owner.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, memoryBytes = 64 * MiB, cpus = 0.5, pidsLimit = 20 });
        var stopped = await owner.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, memoryBytes = 32 * MiB, cpus = 0.25, pidsLimit = 10 });
        await (await owner.PostAsync($"api/v1/containers/{stopped.Id()}/stop", null)).Json(HttpStatusCode.OK);
        var used = (await owner.Get($"api/v1/teams/{teamId}/quota")).GetProperty("used");
        Assert.Equal(2, used.GetProperty("containers").GetInt32());
        Assert.Equal(0.5, used.GetProperty("cpus").GetDouble());
        Assert.Equal(64 * MiB, used.GetProperty("memoryBytes").GetInt64());
        Assert.Equal(20, used.GetProperty("pids").GetInt64());

        var changed = await admin.Put($"api/v1/teams/{teamId}/quota", new { maxContainers = 5, version });
        Assert.Equal(JsonValueKind.Null, changed.GetProperty("maxMemoryBytes").ValueKind);
        Assert.NotEqual(version, changed.GetProperty("version").GetUInt32());
        var stale = await admin.PutAsJsonAsync($"api/v1/teams/{teamId}/quota", new { maxContainers = 1, version });
        Assert.Contains("changed since", await stale.Problem(HttpStatusCode.Conflict), StringComparison.Ordinal);
        await using var db = Host.NewDb();
        Assert.Equal(5, (await db.Quotas.SingleAsync(q => q.TeamId == teamId)).MaxContainers);
    }

    [Fact]
    public async Task Quota_MemoryExceeded_422NamesTheExcess_AuditedDenied_StoppedShareGivenBack()
    {
        using var admin = await Host.AdminAsync();
        var teamId = (await admin.Get("api/v1/teams")).EnumerateArray().Single(t => t.Str("name") == "default").Id();
        await admin.Put($"api/v1/teams/{teamId}/quota", new { maxMemoryBytes = 100 * MiB });
        var first = await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, name = "first", memoryBytes = 64 * MiB });
        Assert.Equal("running", first.Str("state"));

        var before = await Host.AuditHeadAsync();
        var refused = await admin.PostAsJsonAsync("api/v1/containers", new { image = "busybox", command = new[] { "sleep", "1000" }, name = "second", memoryBytes = 64 * MiB });
        var detail = await refused.Problem(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("memory quota is 100 MiB", detail, StringComparison.Ordinal);
        Assert.Contains("28 MiB over", detail, StringComparison.Ordinal);
        var denied = Assert.Single(await Host.AuditAsync(a => a.Id > before && a.Outcome == "denied"));
        Assert.Equal("container.create", denied.Action);
        Assert.Equal(teamId, denied.TeamId);
        Assert.Contains("28 MiB over", denied.Detail, StringComparison.Ordinal);
        await using (var db = Host.NewDb())
            Assert.False(await db.Containers.AnyAsync(c => c.Name == "second"));

        await (await admin.PostAsync($"api/v1/containers/{first.Id()}/stop", null)).Json(HttpStatusCode.OK);
        var second = await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, name = "second", memoryBytes = 64 * MiB });
        Assert.Equal("running", second.Str("state"));

        before = await Host.AuditHeadAsync();
        await (await admin.PostAsync($"api/v1/containers/{first.Id()}/start", null)).Problem(HttpStatusCode.UnprocessableEntity);
        await Host.AssertDeniedAsync("admin", "container.start", before);
    }

    public static TheoryData<string, string, string, string> BadRequests => new()
    {
        { "POST", "api/v1/teams", """{"name":"../x"}""", "name" },
        { "POST", "api/v1/teams", """{"name":"default"}""", "default" },
        { "POST", "api/v1/teams", """{}""", "name" },
        { "POST", "api/v1/teams", """{"name":"ok","colour":"red"}""", "colour" },
        { "POST", "api/v1/teams", """{"name":""", "" },
        { "PUT", "api/v1/teams/{team}/quota", """{"maxMemoryBytes":-1}""", "maxMemoryBytes" },
        { "PUT", "api/v1/teams/{team}/quota", """{"maxContainers":-3}""", "maxContainers" },
        { "PUT", "api/v1/teams/{team}/quota", """{"maxCpus":-0.5}""", "maxCpus" },
        { "PUT", "api/v1/teams/{team}/quota", """{"maxPids":-1}""", "maxPids" },
        { "PUT", "api/v1/teams/{team}/quota", """{"maxCpus":"many"}""", "" },
        { "PUT", "api/v1/teams/{team}/quota", """[1]""", "" },
        { "PUT", "api/v1/teams/{team}/members/admin", """{"role":"king"}""", "king" },
        { "PUT", "api/v1/teams/{team}/members/admin", """{}""", "role" },
        { "PUT", "api/v1/teams/{team}/members/admin", """{"role":"owner""", "" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task TeamRoutes_BadInput_ProblemDetailsAndNothingWritten(string method, string path, string body, string mentioned)
    {
        using var admin = await Host.AdminAsync();
        var team = (await admin.Get("api/v1/teams")).EnumerateArray().Single(t => t.Str("name") == "default").Id();
        var audited = await Host.AuditCountAsync();
        var response = await admin.SendRaw(new HttpMethod(method), path.Replace("{team}", team.ToString(), StringComparison.Ordinal), body);
        var status = body.Contains("\"default\"", StringComparison.Ordinal) ? HttpStatusCode.Conflict : HttpStatusCode.BadRequest;
        Assert.Contains(mentioned, await response.Problem(status), StringComparison.Ordinal);
        await using var db = Host.NewDb();
        Assert.Equal(1, await db.Teams.CountAsync());
        Assert.Equal(0, await db.Quotas.CountAsync());
        Assert.Equal(TeamRole.Owner, (await db.Memberships.SingleAsync()).Role);
        Assert.Equal(audited, await Host.AuditCountAsync());
    }
}
