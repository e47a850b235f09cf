using System.Net;
using System.Net.Http.Json;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Tests;

public sealed class UserApiTests : HostTest
{
    [Fact]
    public async Task Users_AdminCreatesAndReads_NeverAHash_OthersSeeOnlyThemselves()
    {
        using var admin = await Host.AdminAsync();
        var created = await admin.Post("api/v1/users", new { username = "carol", password = "carol-secret-1", role = "auditor" });
        Assert.Equal("carol", created.Str("username"));
        Assert.Equal("auditor", created.Str("role"));
        Assert.False(created.GetProperty("disabled").GetBoolean());
        var carolId = created.Id();
        await Host.CreateUserAsync("dave", "dev", TeamRole.Member);

        var listText = await admin.GetStringAsync("api/v1/users");
        await using (var db = Host.NewDb())
        {
            foreach (var hash in await db.Users.Select(u => u.PasswordHash).ToListAsync()) Assert.DoesNotContain(hash, listText, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("password", listText, StringComparison.OrdinalIgnoreCase);
        var list = await admin.Get("api/v1/users");
        Assert.Equal(["admin", "carol", "dave"], list.EnumerateArray().Select(u => u.Str("username")));
        var dave = list.EnumerateArray().Single(u => u.Str("username") == "dave");
        Assert.Equal("dev", dave.GetProperty("teams")[0].Str("team"));

        using var carol = await Host.ClientAsync("carol", "carol-secret-1");
        Assert.Equal(3, (await carol.Get("api/v1/users")).GetArrayLength());
        using var daveClient = await Host.UserAsync("dave");
        var before = await Host.AuditHeadAsync();
        await (await daveClient.GetAsync("api/v1/users")).Problem(HttpStatusCode.Forbidden);
        await Host.AssertDeniedAsync("dave", "user.list", before);
        Assert.Equal("dave", (await daveClient.Get($"api/v1/users/{dave.Id()}")).Str("username"));
        await (await daveClient.GetAsync($"api/v1/users/{carolId}")).Problem(HttpStatusCode.NotFound);
        await (await daveClient.PostAsJsonAsync("api/v1/users", new { username = "eve", password = "eve-secret-1" })).Problem(HttpStatusCode.Forbidden);
        await Host.AssertDeniedAsync("dave", "user.create", before);
        await (await carol.PostAsJsonAsync("api/v1/users", new { username = "eve", password = "eve-secret-1" })).Problem(HttpStatusCode.Forbidden);
        await using (var db = Host.NewDb())
            Assert.False(await db.Users.AnyAsync(u => u.Username == "eve"));
    }

    [Fact]
    public async Task Patch_DisableRoleAndPasswordReset_TakeEffectAtOnce()
    {
        using var admin = await Host.AdminAsync();
        var (daveId, _) = await Host.CreateUserAsync("dave", "dev", TeamRole.Member);
        using var dave = await Host.UserAsync("dave");
        var read = await admin.Get($"api/v1/users/{daveId}");
        var version = read.GetProperty("version").GetUInt32();

        var disabled = await admin.Patch($"api/v1/users/{daveId}", new { disabled = true, version });
        Assert.True(disabled.GetProperty("disabled").GetBoolean());
        await (await dave.GetAsync("api/v1/containers")).Problem(HttpStatusCode.Unauthorized);
        using (var anon = Host.Anonymous())
            await (await anon.PostAsJsonAsync("api/v1/auth/token", new { username = "dave", password = "dave-password" })).Problem(HttpStatusCode.Unauthorized);

        var stale = await admin.PatchAsJsonAsync($"api/v1/users/{daveId}", new { disabled = false, version });
        Assert.Contains("changed since", await stale.Problem(HttpStatusCode.Conflict), StringComparison.Ordinal);

        await admin.Patch($"api/v1/users/{daveId}", new { disabled = false, role = "admin", password = "dave-new-password" });
        using var daveAgain = await Host.ClientAsync("dave", "dave-new-password");
        Assert.Equal(2, (await daveAgain.Get("api/v1/users")).GetArrayLength());

        var adminId = (await admin.Get("api/v1/auth/me")).Id();
        await admin.Patch($"api/v1/users/{daveId}", new { role = "none" });
        var last = await admin.PatchAsJsonAsync($"api/v1/users/{adminId}", new { disabled = true });
        Assert.Contains("last enabled admin", await last.Problem(HttpStatusCode.Conflict), StringComparison.Ordinal);
        var trail = await Host.AuditAsync(a => a.Action == "user.update" && a.TargetId == daveId.ToString());
        Assert.Equal(["dave: disabled", "dave: enabled, role admin, password reset", "dave: role none"], trail.Select(a => a.Detail));
        Assert.All(trail, a => Assert.Equal("allowed", a.Outcome));
    }

    [Fact]
    public async Task ChangeOwnPassword_NeedsTheOldOne_WrongOneAuditedDenied()
    {
        await Host.CreateUserAsync("dave", "dev", TeamRole.Member);
        using var dave = await Host.UserAsync("dave");
        var before = await Host.AuditHeadAsync();
        var wrong = await dave.PostAsJsonAsync("api/v1/users/me/password", new { oldPassword = "not-it-at-all", newPassword = "dave-next-password" });
        Assert.Contains("old password", await wrong.Problem(HttpStatusCode.Forbidden), StringComparison.Ordinal);
        await Host.AssertDeniedAsync("dave", "user.password", before);

        var ok = await dave.PostAsJsonAsync("api/v1/users/me/password", new { oldPassword = "dave-password", newPassword = "dave-next-password" });
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        using var again = await Host.ClientAsync("dave", "dave-next-password");
        Assert.Equal("dave", (await again.Get("api/v1/auth/me")).Str("username"));
    }

    public static TheoryData<string, string, string, HttpStatusCode> BadRequests => new()
    {
        { "POST", """{"username":"admin","password":"long-enough-1"}""", "admin", HttpStatusCode.Conflict },
        { "POST", """{"username":"bad name","password":"long-enough-1"}""", "username", HttpStatusCode.BadRequest },
        { "POST", """{"username":"frank","password":"short"}""", "8 characters", HttpStatusCode.BadRequest },
        { "POST", """{"username":"frank","password":"long-enough-1","role":"superuser"}""", "superuser", HttpStatusCode.BadRequest },
        { "POST", """{"password":"long-enough-1"}""", "username", HttpStatusCode.BadRequest },
        { "POST", """{"username":"frank","password":"long-enough-1","passwordHash":"x"}""", "passwordHash", HttpStatusCode.BadRequest },
        { "POST", """{"username":"frank",""", "", HttpStatusCode.BadRequest },
        { "PATCH", """{}""", "nothing to change", HttpStatusCode.BadRequest },
        { "PATCH", """{"role":"root"}""", "root", HttpStatusCode.BadRequest },
        { "PATCH", """{"password":"tiny"}""", "8 characters", HttpStatusCode.BadRequest },
        { "PATCH", """{"disabled":"yes"}""", "", HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task UserRoutes_BadInput_ProblemDetailsAndNothingWritten(string method, string body, string mentioned, HttpStatusCode status)
    {
        using var admin = await Host.AdminAsync();
        var adminId = (await admin.Get("api/v1/auth/me")).Id();
        var audited = await Host.AuditCountAsync();
        var path = method == "POST" ? "api/v1/users" : $"api/v1/users/{adminId}";
        var response = await admin.SendRaw(new HttpMethod(method), path, body);
        Assert.Contains(mentioned, await response.Problem(status), StringComparison.Ordinal);
        await using var db = Host.NewDb();
        var only = Assert.Single(await db.Users.ToListAsync());
        Assert.Equal(GlobalRole.Admin, only.Role);
        Assert.False(only.Disabled);
        Assert.Equal(audited, await Host.AuditCountAsync());
    }
}
