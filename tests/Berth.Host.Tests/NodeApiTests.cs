namespace Berth.Host.Tests;

public sealed class NodeApiTests : HostTest
{
    [Fact]
    public async Task Nodes_ThisNodeAliveWithCapacityAndRunningCount_StaleHeartbeatNotAlive()
    {
        using var admin = await Host.AdminAsync();
        await HostHarness.WaitUntilAsync(async () => (await admin.Get("api/v1/nodes")).GetArrayLength() == 1, "the node's first heartbeat");
        await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" } });
        var node = Assert.Single((await admin.Get("api/v1/nodes")).EnumerateArray());
        Assert.Equal("test-node", node.Str("id"));
        Assert.Equal(Environment.ProcessorCount, node.GetProperty("cpus").GetInt32());
        Assert.True(node.GetProperty("memoryBytes").GetInt64() > 1L << 30);
        Assert.Equal(1, node.GetProperty("runningContainers").GetInt32());
        Assert.True(node.GetProperty("alive").GetBoolean());
        Assert.True(node.GetProperty("heartbeatAt").GetDateTimeOffset() >= node.GetProperty("startedAt").GetDateTimeOffset());

        // A node whose heartbeat stopped (another machine, down) is listed as not alive.
        await using (var db = Host.NewDb())
        {
            db.Nodes.Add(new Berth.Data.Entities.Node { Id = "gone", Hostname = "gone", StartedAt = DateTimeOffset.UtcNow.AddHours(-2), HeartbeatAt = DateTimeOffset.UtcNow.AddMinutes(-1) });
            await db.SaveChangesAsync();
        }
        var gone = (await admin.Get("api/v1/nodes")).EnumerateArray().Single(n => n.Str("id") == "gone");
        Assert.False(gone.GetProperty("alive").GetBoolean());
        Assert.Equal(0, gone.GetProperty("runningContainers").GetInt32());
    }
}
