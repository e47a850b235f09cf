using System.Text.Json;
using Berth.ControlPlane.Jobs;
using Berth.ControlPlane.Networks;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Host.Tests;

/// <summary>
/// Reconciliation run by hand with the host stopped (no event ingestor): what it finds on the node is all it knows.
/// </summary>
public sealed class ReconcileTests
{
    private static async Task<IReadOnlyList<string>> ReconcileAsync(HostHarness host)
    {
        IReadOnlyList<string> done = [];
        await host.WithServicesAsync(async s => done = await s.GetRequiredService<SupervisionJobs>().ReconcileAsync(CancellationToken.None));
        return done;
    }

    [Fact]
    public async Task Reconcile_EndedAndRemovedWhileUnobserved_RecordedSettledRowsNotWritten()
    {
        await using var host = await HostHarness.StartAsync();
        JsonElement ends, gone, settled;
        using (var admin = await host.AdminAsync())
        {
            ends = await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, name = "ends" });
            gone = await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, name = "gone" });
            settled = await admin.Launch(new { image = "busybox", command = new[] { "true" }, name = "settled" });
            await HostHarness.WaitUntilAsync(async () => (await admin.Get($"api/v1/containers/{settled.Str("id")}")).Str("state") == "stopped", "the short one to end");
        }
        await host.StopHostAsync();
        uint settledVersion;
        await using (var db = host.NewDb())
            settledVersion = (await db.Containers.SingleAsync(c => c.Name == "settled")).Version;
        var engine = host.Engine;
        engine.Kill(ends.Str("engineId"), 9);
        await HostHarness.WaitUntilAsync(() => Task.FromResult(!Berth.Engine.ContainerEngine.IsShimAlive(engine.Inspect(ends.Str("engineId")))), "the container to end");
        engine.Remove(gone.Str("engineId"), force: true);

        var done = await ReconcileAsync(host);

        Assert.Contains(done, line => line.StartsWith("ends: ended with 137", StringComparison.Ordinal));
        Assert.Contains(done, line => line.StartsWith("gone: lost", StringComparison.Ordinal));
        Assert.DoesNotContain(done, line => line.StartsWith("settled", StringComparison.Ordinal));
        await using var check = host.NewDb();
        var rows = await check.Containers.AsNoTracking().ToDictionaryAsync(c => c.Name);
        Assert.Equal((ContainerState.Stopped, 137), (rows["ends"].State, rows["ends"].LastExitCode));
        Assert.Equal(ContainerState.Lost, rows["gone"].State);
        Assert.Equal(settledVersion, rows["settled"].Version);
        var endsRun = await check.Runs.SingleAsync(r => r.ContainerId == rows["ends"].Id);
        Assert.Equal((137, 9, "exited"), (endsRun.ExitCode, endsRun.Signal, endsRun.Reason));
        Assert.Equal("lost", (await check.Runs.SingleAsync(r => r.ContainerId == rows["gone"].Id)).Reason);
        Assert.True(await check.Events.AnyAsync(e => e.ContainerId == rows["ends"].Id && e.Action == "die" && e.Detail!.Contains("reconciliation")));

        // Nothing is left to do: a second pass finds everything in order and writes nothing.
        Assert.Empty(await ReconcileAsync(host));
        await using var again = host.NewDb();
        Assert.Equal(rows["ends"].Version, (await again.Containers.SingleAsync(c => c.Name == "ends")).Version);
    }

    [Fact]
    public async Task Reconcile_NetworkOfADeletedTeamLeftOnTheNode_Removed()
    {
        await using var host = await HostHarness.StartAsync();
        await host.StopHostAsync();
        var engine = host.Engine;
        var gone = Guid.NewGuid();
        var orphan = engine.Networks.Create(TeamNetworks.NameFor(gone), null, null, new Dictionary<string, string> { [TeamNetworks.TeamLabel] = gone.ToString() });
        var other = engine.Networks.Create("not-a-team-network", null, null, new Dictionary<string, string>());

        var done = await ReconcileAsync(host);

        Assert.Contains($"network {orphan.Name}: removed (its team was deleted)", done);
        Assert.Null(engine.Networks.TryFind(orphan.Name));
        Assert.NotNull(engine.Networks.TryFind(other.Name));
    }
}
