using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Tests;

public sealed class IsolationTests(IsolationFixture f) : IClassFixture<IsolationFixture>
{
    private const string Template = """{"name":"taken-over","image":"busybox"}""";

    /// <summary>Every route that names one of team alpha's things, with the body a member of beta sends and, for changes, the action their refusal is audited as.</summary>
    private IEnumerable<(HttpMethod Method, string Path, string? Body, string? DeniedAction)> RoutesOfAlpha() =>
    [
        (HttpMethod.Get, $"api/v1/containers/{f.ContainerA}", null, null),
        (HttpMethod.Post, $"api/v1/containers/{f.ContainerA}/stop", null, "container.stop"),
        (HttpMethod.Post, $"api/v1/containers/{f.ContainerA}/start", null, "container.start"),
        (HttpMethod.Post, $"api/v1/containers/{f.ContainerA}/restart", null, "container.restart"),
        (HttpMethod.Delete, $"api/v1/containers/{f.ContainerA}", null, "container.remove"),
        (HttpMethod.Get, $"api/v1/containers/{f.ContainerA}/runs", null, null),
        (HttpMethod.Get, $"api/v1/containers/{f.ContainerA}/events", null, null),
        (HttpMethod.Get, $"api/v1/containers/{f.ContainerA}/logs", null, null),
        (HttpMethod.Get, $"api/v1/containers/{f.ContainerA}/stats/history", null, null),
        (HttpMethod.Post, "api/v1/containers", """{"image":"busybox","team":"alpha"}""", null),
        (HttpMethod.Post, "api/v1/containers", $$"""{"templateId":"{{f.TemplateA}}"}""", null),
        (HttpMethod.Get, $"api/v1/teams/{f.Alpha}", null, null),
        (HttpMethod.Delete, $"api/v1/teams/{f.Alpha}", null, "team.delete"),
        (HttpMethod.Get, $"api/v1/teams/{f.Alpha}/members", null, null),
        (HttpMethod.Put, $"api/v1/teams/{f.Alpha}/members/member-b", """{"role":"owner"}""", "team.member.set"),
        (HttpMethod.Delete, $"api/v1/teams/{f.Alpha}/members/owner-a", null, "team.member.remove"),
        (HttpMethod.Get, $"api/v1/teams/{f.Alpha}/quota", null, null),
        (HttpMethod.Put, $"api/v1/teams/{f.Alpha}/quota", """{"maxContainers":1000}""", "quota.update"),
        (HttpMethod.Get, $"api/v1/templates/{f.TemplateA}", null, null),
        (HttpMethod.Put, $"api/v1/templates/{f.TemplateA}", Template, "template.update"),
        (HttpMethod.Delete, $"api/v1/templates/{f.TemplateA}", null, "template.delete"),
        (HttpMethod.Post, "api/v1/templates", """{"team":"alpha","name":"planted","image":"busybox"}""", null),
        (HttpMethod.Get, $"api/v1/users/{f.OwnerA}", null, null),
        (HttpMethod.Patch, $"api/v1/users/{f.OwnerA}", """{"disabled":true}""", "user.update"),
        (HttpMethod.Get, $"api/v1/images/pulls/{f.PullA}", null, null),
        (HttpMethod.Get, "api/v1/audit?team=alpha", null, null),
        (HttpMethod.Get, "api/v1/audit.csv?team=alpha", null, null),
        (HttpMethod.Get, "api/v1/runs?team=alpha", null, null),
        (HttpMethod.Get, "api/v1/runs.csv?team=alpha", null, null),
    ];

    [Fact]
    public async Task OtherTeamsMember_GetsNotFoundOnEveryRouteOfAlpha_ChangesAuditedDenied_NothingChanged()
    {
        using var b = await f.Host.UserAsync("member-b");
        var before = await f.Host.AuditHeadAsync();
        foreach (var (method, path, body, _) in RoutesOfAlpha())
        {
            var response = await b.SendRaw(method, path, body);
            var detail = await response.Problem(HttpStatusCode.NotFound);
            Assert.DoesNotContain("a-box", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("secret-of-a", detail, StringComparison.Ordinal);
        }
        foreach (var action in RoutesOfAlpha().Select(r => r.DeniedAction).OfType<string>()) await f.Host.AssertDeniedAsync("member-b", action, before);

        await using var db = f.Host.NewDb();
        var container = await db.Containers.SingleAsync(c => c.Id == f.ContainerA);
        Assert.Equal(("running", null), (container.State, container.RemovedAt));
        Assert.Equal("a-template", (await db.Templates.SingleAsync(t => t.Id == f.TemplateA)).Name);
        Assert.Equal(["auditor-a", "owner-a", "viewer-a"], await db.Memberships.Where(m => m.TeamId == f.Alpha).Select(m => m.User!.Username).OrderBy(n => n).ToListAsync());
        Assert.Equal(10, (await db.Quotas.SingleAsync(q => q.TeamId == f.Alpha)).MaxContainers);
        Assert.False((await db.Users.SingleAsync(u => u.Id == f.OwnerA)).Disabled);
        Assert.False(await db.Templates.AnyAsync(t => t.Name == "planted" || t.Name == "taken-over"));
        Assert.Equal(2, await db.Containers.CountAsync());
    }

    [Fact]
    public async Task OtherTeamsMember_ListsShowOnlyTheirOwn()
    {
        using var b = await f.Host.UserAsync("member-b");
        Assert.Equal([f.ContainerB], (await b.Get("api/v1/containers?all=true")).EnumerateArray().Select(c => c.Id()));
        Assert.Equal(["beta"], (await b.Get("api/v1/teams")).EnumerateArray().Select(t => t.Str("name")));
        Assert.Equal([f.TemplateB], (await b.Get("api/v1/templates")).EnumerateArray().Select(t => t.Id()));
        Assert.All((await b.Get("api/v1/runs")).EnumerateArray(), r => Assert.Equal(f.ContainerB, r.Id("containerId")));
        Assert.DoesNotContain("alpha", await b.GetStringAsync("api/v1/runs.csv"), StringComparison.Ordinal);
        Assert.DoesNotContain(f.ContainerA.ToString(), await b.GetStringAsync("api/v1/runs.csv"), StringComparison.Ordinal);
        await (await b.GetAsync("api/v1/users")).Problem(HttpStatusCode.Forbidden);
        await (await b.GetAsync("api/v1/audit")).Problem(HttpStatusCode.Forbidden);
        await (await b.GetAsync("api/v1/audit.csv")).Problem(HttpStatusCode.Forbidden);
        await (await b.GetAsync("api/v1/audit/verify")).Problem(HttpStatusCode.Forbidden);
        Assert.Single((await b.Get("api/v1/nodes")).EnumerateArray());
    }

    [Fact]
    public async Task ViewerOfAlpha_SeesItsThings_LaunchStopAndOtherChangesRefused403Audited()
    {
        using var viewer = await f.Host.UserAsync("viewer-a");
        Assert.Equal([f.ContainerA], (await viewer.Get("api/v1/containers")).EnumerateArray().Select(c => c.Id()));
        Assert.Equal("a-box", (await viewer.Get($"api/v1/containers/{f.ContainerA}")).Str("name"));
        Assert.Single((await viewer.Get($"api/v1/containers/{f.ContainerA}/runs")).EnumerateArray());
        Assert.NotEmpty((await viewer.Get($"api/v1/containers/{f.ContainerA}/events")).EnumerateArray());
        Assert.Contains("secret-of-a", await viewer.GetStringAsync($"api/v1/containers/{f.ContainerA}/logs"), StringComparison.Ordinal);
        Assert.Equal([f.TemplateA], (await viewer.Get("api/v1/templates")).EnumerateArray().Select(t => t.Id()));
        Assert.Equal(3, (await viewer.Get($"api/v1/teams/{f.Alpha}/members")).GetArrayLength());
        Assert.Equal(10, (await viewer.Get($"api/v1/teams/{f.Alpha}/quota")).GetProperty("maxContainers").GetInt32());

        var before = await f.Host.AuditHeadAsync();
        await (await viewer.PostAsJsonAsync("api/v1/containers", new { image = "busybox", team = "alpha" })).Problem(HttpStatusCode.Forbidden);
        await f.Host.AssertDeniedAsync("viewer-a", "container.create", before);
        await (await viewer.PostAsync($"api/v1/containers/{f.ContainerA}/stop", null)).Problem(HttpStatusCode.Forbidden);
        await f.Host.AssertDeniedAsync("viewer-a", "container.stop", before);
        await (await viewer.PostAsync($"api/v1/containers/{f.ContainerA}/restart", null)).Problem(HttpStatusCode.Forbidden);
        await (await viewer.DeleteAsync($"api/v1/containers/{f.ContainerA}")).Problem(HttpStatusCode.Forbidden);
        await (await viewer.PostAsJsonAsync("api/v1/containers", new { templateId = f.TemplateA })).Problem(HttpStatusCode.Forbidden);
        await (await viewer.SendRaw(HttpMethod.Put, $"api/v1/templates/{f.TemplateA}", Template)).Problem(HttpStatusCode.Forbidden);
        await f.Host.AssertDeniedAsync("viewer-a", "template.update", before);
        await (await viewer.PutAsJsonAsync($"api/v1/teams/{f.Alpha}/members/viewer-a", new { role = "owner" })).Problem(HttpStatusCode.Forbidden);
        await (await viewer.PostAsJsonAsync("api/v1/images/pull", new { reference = "127.0.0.1:1/x/y:1" })).Problem(HttpStatusCode.Forbidden);
        await (await viewer.GetAsync("api/v1/runs")).Problem(HttpStatusCode.Forbidden);
        await (await viewer.GetAsync("api/v1/audit")).Problem(HttpStatusCode.Forbidden);
        Assert.Equal("running", (await viewer.Get($"api/v1/containers/{f.ContainerA}")).Str("state"));
    }

    [Fact]
    public async Task Auditors_ReadTheTrailAndRuns_CannotLaunch()
    {
        using var teamAuditor = await f.Host.UserAsync("auditor-a");
        var entries = (await teamAuditor.Get("api/v1/audit")).GetProperty("entries").EnumerateArray().ToList();
        Assert.Contains(entries, e => e.Str("action") == "container.create" && e.Str("actor") == "owner-a");
        Assert.All(entries, e => Assert.Equal(f.Alpha, e.Id("teamId")));
        Assert.All((await teamAuditor.Get("api/v1/runs")).EnumerateArray(), r => Assert.Equal(f.ContainerA, r.Id("containerId")));
        var before = await f.Host.AuditHeadAsync();
        await (await teamAuditor.PostAsJsonAsync("api/v1/containers", new { image = "busybox", team = "alpha" })).Problem(HttpStatusCode.Forbidden);
        await f.Host.AssertDeniedAsync("auditor-a", "container.create", before);

        using var inspector = await f.Host.UserAsync("inspector");
        var all = (await inspector.Get("api/v1/audit?limit=1000")).GetProperty("entries").EnumerateArray().ToList();
        Assert.Contains(all, e => e.Str("actor") == "member-b");
        Assert.Contains(all, e => e.Str("actor") == "owner-a");
        Assert.True((await inspector.Get("api/v1/audit/verify")).GetProperty("valid").GetBoolean());
        Assert.Equal(2, (await inspector.Get("api/v1/containers")).GetArrayLength());
        await (await inspector.PostAsJsonAsync("api/v1/containers", new { image = "busybox", team = "alpha" })).Problem(HttpStatusCode.Forbidden);
        await f.Host.AssertDeniedAsync("inspector", "container.create", before);
        await (await inspector.PostAsync($"api/v1/containers/{f.ContainerA}/stop", null)).Problem(HttpStatusCode.Forbidden);
        await f.Host.AssertDeniedAsync("inspector", "container.stop", before);
        await (await inspector.PostAsJsonAsync($"api/v1/teams", new { name = "inspected" })).Problem(HttpStatusCode.Forbidden);
        await (await inspector.PostAsync("api/v1/images/prune", null)).Problem(HttpStatusCode.Forbidden);
    }
}
