using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Tests;

public sealed class AuditApiTests : HostTest
{
    [Fact]
    public async Task Audit_AfterBusySequence_ChainValid_PagesNewestFirst_FiltersApply()
    {
        using var admin = await Host.AdminAsync();
        var ops = await BusySequenceAsync(admin);

        var verified = await admin.Get("api/v1/audit/verify");
        await using (var db = Host.NewDb())
        {
            var count = await db.Audit.CountAsync();
            Assert.True(verified.GetProperty("valid").GetBoolean(), verified.ToString());
            Assert.Equal(count, verified.GetProperty("entries").GetInt64());
            Assert.Equal(JsonValueKind.Null, verified.GetProperty("brokenAt").ValueKind);
            Assert.Equal(count, verified.GetProperty("anchorId").GetInt64());

            // Every page newest first; the pages together are the whole trail.
            var seen = new List<long>();
            long? before = null;
            do
            {
                var page = await admin.Get($"api/v1/audit?limit=4{(before is { } b ? $"&before={b}" : "")}");
                var ids = page.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()).ToList();
                Assert.Equal(ids.OrderDescending(), ids);
                seen.AddRange(ids);
                before = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetInt64();
            }
            while (before is not null);
            Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i).Reverse(), seen);
        }

        var containers = (await admin.Get("api/v1/audit?action=container.*")).GetProperty("entries");
        Assert.Equal(["container.remove", "container.restart", "container.start", "container.stop", "container.create"],
            containers.EnumerateArray().Select(e => e.Str("action")));
        var denied = (await admin.Get("api/v1/audit?outcome=denied")).GetProperty("entries");
        Assert.Equal(["auth.login", "quota.update"], denied.EnumerateArray().Select(e => e.Str("action")));
        var byMember = (await admin.Get("api/v1/audit?actor=member1")).GetProperty("entries");
        Assert.All(byMember.EnumerateArray(), e => Assert.Equal("member1", e.Str("actor")));
        var teamEntries = (await admin.Get($"api/v1/audit?team=ops")).GetProperty("entries");
        Assert.All(teamEntries.EnumerateArray(), e => Assert.Equal(ops, e.Id("teamId")));
        Assert.All(teamEntries.EnumerateArray(), e => Assert.Equal("ops", e.Str("team")));
        Assert.Contains(teamEntries.EnumerateArray(), e => e.Str("action") == "quota.update" && e.Str("outcome") == "allowed");
        var future = DateTimeOffset.UtcNow.AddHours(1).ToString("O");
        Assert.Empty((await admin.Get($"api/v1/audit?from={Uri.EscapeDataString(future)}")).GetProperty("entries").EnumerateArray());
        var past = DateTimeOffset.UtcNow.AddHours(-1).ToOffset(TimeSpan.FromHours(2)).ToString("O");
        Assert.Equal(4, (await admin.Get($"api/v1/audit?limit=4&from={Uri.EscapeDataString(past)}")).GetProperty("entries").GetArrayLength());

        await (await admin.GetAsync("api/v1/audit?outcome=maybe")).Problem(HttpStatusCode.BadRequest);
        await (await admin.GetAsync("api/v1/audit?limit=0")).Problem(HttpStatusCode.BadRequest);
        await (await admin.GetAsync("api/v1/audit?limit=many")).Problem(HttpStatusCode.BadRequest);
        await (await admin.GetAsync($"api/v1/audit?from={Uri.EscapeDataString(future)}&to={Uri.EscapeDataString(past)}")).Problem(HttpStatusCode.BadRequest);
        await (await admin.GetAsync("api/v1/audit?team=no-such-team")).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Audit_TeamOwnersAndAuditorsReadTheirTeams_MembersRefused_VerifyForGlobalRolesOnly()
    {
        using var admin = await Host.AdminAsync();
        var (_, a) = await Host.CreateUserAsync("owner-a", "team-a", TeamRole.Owner);
        await Host.CreateUserAsync("auditor-a", "team-a", TeamRole.Auditor);
        await Host.CreateUserAsync("member-a", "team-a", TeamRole.Member);
        await Host.CreateUserAsync("global-auditor", "team-b", TeamRole.Viewer, GlobalRole.Auditor);
        using var owner = await Host.UserAsync("owner-a");
        using var auditor = await Host.UserAsync("auditor-a");
        using var member = await Host.UserAsync("member-a");
        using var global = await Host.UserAsync("global-auditor");
        await member.Launch(new { image = "busybox", command = new[] { "sleep", "1000" } });
        await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" } });

        foreach (var reader in new[] { owner, auditor })
        {
            var entries = (await reader.Get("api/v1/audit")).GetProperty("entries").EnumerateArray().ToList();
            Assert.Contains(entries, e => e.Str("action") == "container.create" && e.Str("actor") == "member-a");
            Assert.All(entries, e => Assert.Equal(a, e.Id("teamId")));
            await (await reader.GetAsync("api/v1/audit?team=team-b")).Problem(HttpStatusCode.NotFound);
            await (await reader.GetAsync("api/v1/audit?team=default")).Problem(HttpStatusCode.NotFound);
        }
        Assert.Contains((await global.Get("api/v1/audit")).GetProperty("entries").EnumerateArray(), e => e.Str("actor") == "admin" && e.Str("action") == "container.create");
        Assert.True((await global.Get("api/v1/audit/verify")).GetProperty("valid").GetBoolean());

        var before = await Host.AuditHeadAsync();
        await (await member.GetAsync("api/v1/audit")).Problem(HttpStatusCode.Forbidden);
        await Host.AssertDeniedAsync("member-a", "audit.read", before);
        await (await member.GetAsync("api/v1/audit.csv")).Problem(HttpStatusCode.Forbidden);
        await (await member.GetAsync("api/v1/audit?team=team-a")).Problem(HttpStatusCode.Forbidden);
        await (await owner.GetAsync("api/v1/audit/verify")).Problem(HttpStatusCode.Forbidden);
        await Host.AssertDeniedAsync("owner-a", "audit.verify", before);
    }

    [Fact]
    public async Task AuditCsv_QuotedAsRfc4180_FormulaCellsNeutralised()
    {
        using var anon = Host.Anonymous();
        string[] names = ["=HYPERLINK(\"http://x\",\"y\"),1", "+1+1", "-2", "@SUM(A1)", "plain,comma"];
        foreach (var name in names)
            await (await anon.PostAsJsonAsync("api/v1/auth/token", new { username = name, password = "wrong-password" })).Problem(HttpStatusCode.Unauthorized);
        using var admin = await Host.AdminAsync();

        var response = await admin.GetAsync("api/v1/audit.csv?action=auth.login&outcome=denied");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/csv", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.Contains("audit.csv", response.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        var lines = text.Split("\r\n");
        Assert.Equal("id,time,actorId,actor,action,targetType,targetId,teamId,team,remoteAddress,outcome,detail,previousHash,hash", lines[0]);
        Assert.Equal("", lines[^1]);
        Assert.Equal(names.Length + 2, lines.Length);
        Assert.DoesNotContain('\n', text.Replace("\r\n", "", StringComparison.Ordinal));
        // Newest first: the names in reverse, each in the actor column.
        Assert.Contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\"),1\",auth.login,", lines[5], StringComparison.Ordinal);
        Assert.Contains(",'+1+1,auth.login,", lines[4], StringComparison.Ordinal);
        Assert.Contains(",'-2,auth.login,", lines[3], StringComparison.Ordinal);
        Assert.Contains(",'@SUM(A1),auth.login,", lines[2], StringComparison.Ordinal);
        Assert.Contains(",\"plain,comma\",auth.login,", lines[1], StringComparison.Ordinal);
        var limited = await admin.GetStringAsync("api/v1/audit.csv?action=auth.login&outcome=denied&limit=2");
        Assert.Equal(4, limited.Split("\r\n").Length);
    }

    public static TheoryData<string> Tamperings => ["edit", "delete-middle", "swap", "delete-tail"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task Verify_TamperedTrail_ReportsWhereAndWhy(string how)
    {
        using var admin = await Host.AdminAsync();
        await BusySequenceAsync(admin);
        await using var db = Host.NewDb();
        var last = await db.Audit.MaxAsync(a => a.Id);
        Assert.True(last > 10);
        var (sql, brokenAt, reason) = how switch
        {
            "edit" => ("UPDATE audit SET \"Detail\" = 'nothing happened' WHERE \"Id\" = 5", 5L, "changed after it was written"),
            "delete-middle" => ("DELETE FROM audit WHERE \"Id\" = 5", 5L, "entry 5 is missing"),
            "swap" => ("UPDATE audit SET \"Id\" = -1 WHERE \"Id\" = 5; UPDATE audit SET \"Id\" = 5 WHERE \"Id\" = 6; UPDATE audit SET \"Id\" = 6 WHERE \"Id\" = -1",
                5L, "does not follow entry 4"),
            _ => ($"DELETE FROM audit WHERE \"Id\" > {last - 3}", last - 2, "tail was removed"),
        };
        Assert.True((await admin.Get("api/v1/audit/verify")).GetProperty("valid").GetBoolean());
        await db.Database.ExecuteSqlRawAsync(sql);

        var result = await admin.Get("api/v1/audit/verify");
        Assert.False(result.GetProperty("valid").GetBoolean());
        Assert.Equal(brokenAt, result.GetProperty("brokenAt").GetInt64());
        Assert.Contains(reason, result.Str("reason"), StringComparison.Ordinal);
        Assert.Equal(last, result.GetProperty("anchorId").GetInt64());
    }

    /// <summary>A bit of everything, allowed and denied; returns the id of the team it made.</summary>
    private async Task<Guid> BusySequenceAsync(HttpClient admin)
    {
        var ops = (await admin.Post("api/v1/teams", new { name = "ops" })).Id();
        await admin.Post("api/v1/users", new { username = "member1", password = "member1-password" });
        await admin.Put($"api/v1/teams/{ops}/members/member1", new { role = "member" });
        await admin.Put($"api/v1/teams/{ops}/quota", new { maxContainers = 5 });
        using var member = await Host.ClientAsync("member1", "member1-password");
        await (await member.PutAsJsonAsync($"api/v1/teams/{ops}/quota", new { maxContainers = 50 })).Problem(HttpStatusCode.Forbidden);
        await member.Post("api/v1/templates", new { name = "t1", image = "busybox", command = new[] { "sleep", "1000" } });
        var id = (await member.Launch(new { image = "busybox", command = new[] { "sleep", "1000" } })).Id();
        foreach (var verb in new[] { "stop", "start", "restart" }) await (await member.PostAsync($"api/v1/containers/{id}/{verb}", null)).Json(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NoContent, (await member.DeleteAsync($"api/v1/containers/{id}")).StatusCode);
        using var anon = Host.Anonymous();
        await (await anon.PostAsJsonAsync("api/v1/auth/token", new { username = "member1", password = "not-the-password" })).Problem(HttpStatusCode.Unauthorized);
        return ops;
    }
}
