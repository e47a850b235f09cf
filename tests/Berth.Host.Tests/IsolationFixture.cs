using System.Net;
using Berth.Data.Entities;

namespace Berth.Host.Tests;

/// <summary>
/// Two teams with something of everything: <c>alpha</c> (an owner, a viewer and a team auditor; a running container
/// with a run, a template, a quota, a pull) and <c>beta</c> (a member with a container and a template of their own),
/// and a global auditor. The isolation tests only read it or are refused, so they share one host.
/// </summary>
public sealed class IsolationFixture : IAsyncLifetime
{
    public HostHarness Host { get; private set; } = null!;

    public Guid Alpha { get; private set; }

    public Guid Beta { get; private set; }

    public Guid OwnerA { get; private set; }

    public Guid ContainerA { get; private set; }

    public Guid TemplateA { get; private set; }

    public Guid PullA { get; private set; }

    public Guid ContainerB { get; private set; }

    public Guid TemplateB { get; private set; }

    public async Task InitializeAsync()
    {
        Host = await HostHarness.StartAsync();
        (OwnerA, Alpha) = await Host.CreateUserAsync("owner-a", "alpha", TeamRole.Owner);
        await Host.CreateUserAsync("viewer-a", "alpha", TeamRole.Viewer);
        await Host.CreateUserAsync("auditor-a", "alpha", TeamRole.Auditor);
        (_, Beta) = await Host.CreateUserAsync("member-b", "beta", TeamRole.Member);
        await Host.CreateUserAsync("inspector", "gamma", TeamRole.Viewer, GlobalRole.Auditor);
        using var admin = await Host.AdminAsync();
        await admin.Put($"api/v1/teams/{Alpha}/quota", new { maxContainers = 10 });
        using var owner = await Host.UserAsync("owner-a");
        ContainerA = (await owner.Launch(new { image = "busybox", name = "a-box", command = new[] { "sh", "-c", "echo secret-of-a; exec sleep 1000" } })).Id();
        TemplateA = (await owner.Post("api/v1/templates", new { name = "a-template", image = "busybox" })).Id();
        PullA = (await owner.Post("api/v1/images/pull", new { reference = "127.0.0.1:1/alpha/private:1" }, HttpStatusCode.Accepted)).Id();
        await HostHarness.WaitUntilAsync(async () => (await owner.GetStringAsync($"api/v1/containers/{ContainerA}/logs")).Contains("secret-of-a", StringComparison.Ordinal),
            "team alpha's container log");
        using var member = await Host.UserAsync("member-b");
        ContainerB = (await member.Launch(new { image = "busybox", name = "b-box", command = new[] { "sleep", "1000" } })).Id();
        TemplateB = (await member.Post("api/v1/templates", new { name = "b-template", image = "busybox" })).Id();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
