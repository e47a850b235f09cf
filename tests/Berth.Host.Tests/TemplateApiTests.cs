using System.Net;
using System.Net.Http.Json;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Tests;

public sealed class TemplateApiTests : HostTest
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task Template_CreateReadUpdateDelete_Audited()
    {
        var (_, teamId) = await Host.CreateUserAsync("mia", "web", TeamRole.Member);
        using var mia = await Host.UserAsync("mia");
        var created = await mia.Post("api/v1/templates", new
        {
            team = "web", name = "shell", description = "a sandbox", image = "busybox", command = new[] { "sleep", "1000" },
            env = new Dictionary<string, string> { ["MODE"] = "test" }, memoryBytes = 48 * MiB, ttlSeconds = 600,
        });
        var id = created.Id();
        Assert.Equal("web", created.Str("team"));
        Assert.Equal(teamId, created.Id("teamId"));
        Assert.Equal(48 * MiB, created.GetProperty("memoryBytes").GetInt64());
        Assert.Equal("test", created.GetProperty("env").GetProperty("MODE").GetString());

        var listed = Assert.Single((await mia.Get("api/v1/templates")).EnumerateArray());
        Assert.Equal("shell", listed.Str("name"));
        var version = (await mia.Get($"api/v1/templates/{id}")).GetProperty("version").GetUInt32();

        var updated = await mia.Put($"api/v1/templates/{id}", new { name = "shell2", description = "renamed", image = "busybox", cpus = 0.5, version });
        Assert.Equal("shell2", updated.Str("name"));
        Assert.Equal(0.5, updated.GetProperty("cpus").GetDouble());
        Assert.Empty(updated.GetProperty("command").EnumerateArray());
        var stale = await mia.PutAsJsonAsync($"api/v1/templates/{id}", new { name = "shell3", image = "busybox", version });
        Assert.Contains("changed since", await stale.Problem(HttpStatusCode.Conflict), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await mia.DeleteAsync($"api/v1/templates/{id}")).StatusCode);
        await (await mia.GetAsync($"api/v1/templates/{id}")).Problem(HttpStatusCode.NotFound);
        var trail = await Host.AuditAsync(a => a.TargetId == id.ToString());
        Assert.Equal(["template.create", "template.update", "template.delete"], trail.Select(a => a.Action));
        Assert.All(trail, a => Assert.Equal(teamId, a.TeamId));
    }

    [Fact]
    public async Task Launch_FromTemplate_TemplateValuesWithRequestOverrides()
    {
        await Host.CreateUserAsync("mia", "web", TeamRole.Member);
        using var admin = await Host.AdminAsync();
        var api = await admin.Post("api/v1/teams", new { name = "api" });
        await admin.Put($"api/v1/teams/{api.Id()}/members/mia", new { role = "member" });
        using var mia = await Host.UserAsync("mia");
        var template = await mia.Post("api/v1/templates", new
        {
            team = "web", name = "sleeper", image = "busybox", command = new[] { "sh", "-c", "echo template $MODE; exec sleep 1000" },
            env = new Dictionary<string, string> { ["MODE"] = "from-template" }, memoryBytes = 48 * MiB, pidsLimit = 40,
        });

        // Mia operates two teams: the template says which one.
        var plain = await mia.Launch(new { templateId = template.Id() });
        Assert.Equal("web", plain.Str("team"));
        Assert.Equal(template.Id(), plain.Id("templateId"));
        Assert.Equal(48 * MiB, plain.GetProperty("memoryBytes").GetInt64());
        await HostHarness.WaitUntilAsync(async () => (await mia.GetStringAsync($"api/v1/containers/{plain.Id()}/logs")).Contains("template from-template", StringComparison.Ordinal),
            "the template's command and env");

        var overridden = await mia.Launch(new { templateId = template.Id(), name = "custom", memoryBytes = 32 * MiB, command = new[] { "sleep", "999" } });
        Assert.Equal("custom", overridden.Str("name"));
        Assert.Equal("running", overridden.Str("state"));
        var record = Host.Engine.Inspect(overridden.Str("engineId"));
        Assert.Equal(32 * MiB, record.Memory);
        Assert.Equal(40, record.PidsLimit);
        Assert.Equal("from-template", overridden.GetProperty("env").GetProperty("MODE").GetString());
        Assert.Equal(["sleep", "999"], overridden.GetProperty("command").EnumerateArray().Select(a => a.GetString()));

        // A template of one team does not launch into another.
        var elsewhere = await mia.PostAsJsonAsync("api/v1/containers", new { templateId = template.Id(), team = "api" });
        await elsewhere.Problem(HttpStatusCode.NotFound);
    }

    public static TheoryData<string, string, string, HttpStatusCode> BadRequests => new()
    {
        { "POST", """{"team":"default","name":"t","image":"busybox","memoryBytes":-5}""", "memoryBytes", HttpStatusCode.BadRequest },
        { "POST", """{"team":"default","name":"t"}""", "image", HttpStatusCode.BadRequest },
        { "POST", """{"team":"default","image":"busybox"}""", "name", HttpStatusCode.BadRequest },
        { "POST", """{"team":"default","name":"no/slash","image":"busybox"}""", "name", HttpStatusCode.BadRequest },
        { "POST", """{"team":"default","name":"t","image":"busybox","restartPolicy":"sometimes"}""", "restartPolicy", HttpStatusCode.BadRequest },
        { "POST", """{"team":"default","name":"t","image":"busybox","flavour":1}""", "flavour", HttpStatusCode.BadRequest },
        { "POST", """{"team":"default","name":"existing","image":"busybox"}""", "existing", HttpStatusCode.Conflict },
        { "POST", """{"team":"nowhere","name":"t","image":"busybox"}""", "nowhere", HttpStatusCode.NotFound },
        { "POST", """{"team":"default","name":""", "", HttpStatusCode.BadRequest },
        { "PUT", """{"name":"existing","image":"busybox","team":"other"}""", "another team", HttpStatusCode.BadRequest },
        { "PUT", """{"name":"existing","image":"busybox","ttlSeconds":0}""", "ttlSeconds", HttpStatusCode.BadRequest },
        { "PUT", """{"name":"second","image":"busybox"}""", "second", HttpStatusCode.Conflict },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task TemplateRoutes_BadInput_ProblemDetailsAndNothingWritten(string method, string body, string mentioned, HttpStatusCode status)
    {
        using var admin = await Host.AdminAsync();
        var existing = await admin.Post("api/v1/templates", new { team = "default", name = "existing", image = "busybox" });
        await admin.Post("api/v1/templates", new { team = "default", name = "second", image = "busybox" });
        var audited = await Host.AuditCountAsync();
        var path = method == "POST" ? "api/v1/templates" : $"api/v1/templates/{existing.Id()}";
        Assert.Contains(mentioned, await (await admin.SendRaw(new HttpMethod(method), path, body)).Problem(status), StringComparison.Ordinal);
        await using var db = Host.NewDb();
        Assert.Equal(["existing", "second"], await db.Templates.OrderBy(t => t.Name).Select(t => t.Name).ToListAsync());
        Assert.Null((await db.Templates.SingleAsync(t => t.Name == "existing")).Spec.TtlSeconds);
        Assert.Equal(audited, await Host.AuditCountAsync());
    }

    [Fact]
    public async Task Template_HostMountByMember_403Audited_ViewerCannotCreate()
    {
        await Host.CreateUserAsync("mia", "web", TeamRole.Member);
        await Host.CreateUserAsync("vic", "web", TeamRole.Viewer);
        using var mia = await Host.UserAsync("mia");
        using var vic = await Host.UserAsync("vic");
        var before = await Host.AuditHeadAsync();
        await (await mia.PostAsJsonAsync("api/v1/templates", new { team = "web", name = "t", image = "busybox", mounts = new[] { "/etc:/host-etc:ro" } }))
            .Problem(HttpStatusCode.Forbidden);
        await Host.AssertDeniedAsync("mia", "template.mount-host", before);
        await (await vic.PostAsJsonAsync("api/v1/templates", new { team = "web", name = "t", image = "busybox" })).Problem(HttpStatusCode.Forbidden);
        await Host.AssertDeniedAsync("vic", "template.create", before);
        await using var db = Host.NewDb();
        Assert.False(await db.Templates.AnyAsync());
    }
}
