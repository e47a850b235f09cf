using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Tests;

public sealed class HostEndpointsTests
{
    [Fact]
    public async Task JobsThroughHangfireQueue_LaunchStopRemove_Work()
    {
        await using var host = await HostHarness.StartAsync(new Dictionary<string, string?> { ["Berth:LocalFastPath"] = "false" });
        using var admin = await host.AdminAsync();
        var c = await admin.Launch(new { image = "busybox", command = new[] { "sleep", "1000" } });
        var id = c.Str("id");
        Assert.Equal("running", c.Str("state"));
        Assert.Equal("stopped", (await (await admin.PostAsync($"api/v1/containers/{id}/stop", null)).Json(HttpStatusCode.OK)).Str("state"));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/v1/containers/{id}")).StatusCode);
        Assert.Equal("removed", (await admin.Get($"api/v1/containers/{id}")).Str("state"));
        Assert.Empty(host.Engine.List(all: true));
        // The jobs ran on this node's queue.
        await using var db = host.NewDb();
        var queues = await db.Database.SqlQueryRaw<string>(
            "SELECT DISTINCT data::json->>'Queue' AS \"Value\" FROM hangfire.state WHERE name = 'Enqueued'").ToListAsync();
        Assert.Contains("node_test-node", queues);
    }

    [Fact]
    public async Task OpenApiHealthAndMetrics_Served()
    {
        await using var host = await HostHarness.StartAsync();
        using var anon = host.Anonymous();
        var openapi = JsonDocument.Parse(await anon.GetStringAsync("openapi/v1.json")).RootElement;
        Assert.True(openapi.GetProperty("paths").TryGetProperty("/api/v1/containers", out _));
        Assert.True(openapi.GetProperty("paths").TryGetProperty("/api/v1/networks", out _));
        var schemas = openapi.GetProperty("components").GetProperty("schemas");
        Assert.All(new[] { "network", "ports" }, p => Assert.True(schemas.GetProperty("CreateContainerRequest").GetProperty("properties").TryGetProperty(p, out _), p));
        Assert.All(new[] { "network", "ports", "ipAddress" }, p => Assert.True(schemas.GetProperty("ContainerView").GetProperty("properties").TryGetProperty(p, out _), p));
        Assert.All(new[] { "name", "team", "subnet", "gateway", "node", "containers" }, p => Assert.True(schemas.GetProperty("NetworkView").GetProperty("properties").TryGetProperty(p, out _), p));
        Assert.Equal("Healthy", await anon.GetStringAsync("healthz"));
        Assert.Equal("Healthy", await anon.GetStringAsync("readyz"));
        using var admin = await host.AdminAsync();
        await admin.Get("api/v1/containers");
        var metrics = await anon.GetStringAsync("metrics");
        Assert.Contains("http_server_request_duration_seconds", metrics, StringComparison.Ordinal);
    }
}
