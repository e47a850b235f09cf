using System.Net;
using System.Text;
using System.Text.Json;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Tests;

public sealed class SeccompApiTests : HostTest
{
    private static readonly object RefuseMkdir = new
    {
        defaultAction = "SCMP_ACT_ALLOW",
        syscalls = new[] { new { names = new[] { "mkdir", "mkdirat" }, action = "SCMP_ACT_ERRNO", errnoRet = 13 } },
    };

    [Fact]
    public async Task Launch_FromTemplateWithProfile_ContainerRunsUnderIt()
    {
        await Host.CreateUserAsync("mia", "web", TeamRole.Member);
        using var mia = await Host.UserAsync("mia");
        var template = await mia.Post("api/v1/templates", new
        {
            team = "web", name = "nomkdir", image = "busybox", command = new[] { "sh", "-c", "mkdir /tmp/x || exit 7" }, seccompProfile = RefuseMkdir,
        });
        Assert.Equal(13, template.GetProperty("seccompProfile").GetProperty("syscalls")[0].GetProperty("errnoRet").GetInt32());
        Assert.Equal(13, (await mia.Get($"api/v1/templates/{template.Id()}")).GetProperty("seccompProfile").GetProperty("syscalls")[0].GetProperty("errnoRet").GetInt32());

        var id = (await mia.Launch(new { templateId = template.Id() })).Str("id");
        await HostHarness.WaitUntilAsync(async () => (await mia.Get($"api/v1/containers/{id}")).Str("state") == "stopped", "the container to stop");

        var container = await mia.Get($"api/v1/containers/{id}");
        Assert.Equal(7, container.GetProperty("exitCode").GetInt32());
        Assert.Equal("SCMP_ACT_ALLOW", container.GetProperty("seccompProfile").GetProperty("defaultAction").GetString());
        Assert.Equal("custom", Host.Engine.Inspect(container.Str("engineId")).Seccomp);

        // "default" in the request overrides the template's profile with the engine's default, which allows mkdir.
        var plain = (await mia.Launch(new { templateId = template.Id(), seccompProfile = "default" })).Str("id");
        await HostHarness.WaitUntilAsync(async () => (await mia.Get($"api/v1/containers/{plain}")).Str("state") == "stopped", "the second container to stop");
        Assert.Equal(0, (await mia.Get($"api/v1/containers/{plain}")).GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task Launch_DefaultAndUnconfined_FilterOrNone()
    {
        using var admin = await Host.AdminAsync();
        var confined = (await admin.Launch(new { image = "busybox", command = new[] { "sh", "-c", "grep ^Seccomp: /proc/self/status; mkdir /tmp/x && echo made" } })).Str("id");
        var free = await admin.Launch(new { image = "busybox", command = new[] { "grep", "^Seccomp:", "/proc/self/status" }, seccompProfile = "unconfined" });

        Assert.Equal("unconfined", free.Str("seccompProfile"));
        // /proc/PID/status: 2 for SECCOMP_MODE_FILTER, 0 for none (proc(5)).
        await HostHarness.WaitUntilAsync(async () => (await admin.GetStringAsync($"api/v1/containers/{confined}/logs")).Contains("made", StringComparison.Ordinal), "the default profile's log");
        Assert.Contains("Seccomp:\t2", await admin.GetStringAsync($"api/v1/containers/{confined}/logs"), StringComparison.Ordinal);
        await HostHarness.WaitUntilAsync(async () => (await admin.GetStringAsync($"api/v1/containers/{free.Str("id")}/logs")).Contains("Seccomp:", StringComparison.Ordinal), "the unconfined log");
        Assert.Contains("Seccomp:\t0", await admin.GetStringAsync($"api/v1/containers/{free.Str("id")}/logs"), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadProfiles => new()
    {
        { """{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["mkdir"], "action": "SCMP_ACT_SOMETIMES" } ] }""", "unknown action \"SCMP_ACT_SOMETIMES\"" },
        { """{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["mkdri"], "action": "SCMP_ACT_ERRNO" } ] }""", "unknown system call \"mkdri\"" },
        { """{ "defaultAction": "SCMP_ACT_ALLOW", "archMap": "SCMP_ARCH_X86_64" }""", "archMap: must be an array" },
        { """{ "defaultAction": 7 }""", "defaultAction" },
        { "\"sometimes\"", "seccompProfile \"sometimes\" is not valid" },
        { "42", "seccompProfile 42 is not valid" },
    };

    [Theory]
    [MemberData(nameof(BadProfiles))]
    public async Task CreateContainerOrTemplate_BadProfile_400AndNothingWritten(string profile, string mentioned)
    {
        await Host.CreateUserAsync("mia", "web", TeamRole.Member);
        using var mia = await Host.UserAsync("mia");

        var launch = await mia.PostAsync("api/v1/containers", Body($$"""{ "image": "busybox", "command": ["true"], "seccompProfile": {{profile}} }"""));
        Assert.Contains(mentioned, await launch.Problem(HttpStatusCode.BadRequest), StringComparison.Ordinal);
        var template = await mia.PostAsync("api/v1/templates", Body($$"""{ "team": "web", "name": "bad", "image": "busybox", "seccompProfile": {{profile}} }"""));
        Assert.Contains(mentioned, await template.Problem(HttpStatusCode.BadRequest), StringComparison.Ordinal);

        await using var db = Host.NewDb();
        Assert.Equal(0, await db.Containers.CountAsync());
        Assert.Equal(0, await db.Templates.CountAsync());
        Assert.Empty(Host.Engine.List(all: true));
    }

    [Fact]
    public async Task UpdateTemplate_BadProfile_400AndTemplateUnchanged()
    {
        await Host.CreateUserAsync("mia", "web", TeamRole.Member);
        using var mia = await Host.UserAsync("mia");
        var template = await mia.Post("api/v1/templates", new { team = "web", name = "t", image = "busybox", seccompProfile = "unconfined" });
        var version = template.GetProperty("version").GetUInt32();

        var bad = await mia.PutAsync($"api/v1/templates/{template.Id()}",
            Body($$"""{ "name": "t", "image": "busybox", "version": {{version}}, "seccompProfile": { "defaultAction": "SCMP_ACT_NOPE" } }"""));

        Assert.Contains("defaultAction", await bad.Problem(HttpStatusCode.BadRequest), StringComparison.Ordinal);
        var read = await mia.Get($"api/v1/templates/{template.Id()}");
        Assert.Equal("unconfined", read.Str("seccompProfile"));
        Assert.Equal(version, read.GetProperty("version").GetUInt32());
    }

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");
}
