using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Berth.Data.Entities;
using Berth.Testing;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Tests;

public sealed class ImageApiTests : HostTest
{
    [Fact]
    public async Task Pull_FromLocalRegistry_ProgressToDone_ListedRecordedAndRunnable()
    {
        using var registry = LocalRegistry.Start();
        var target = $"{registry.Host}/team/shell:1.0";
        var engine = Host.Engine;
        await engine.TagAsync("busybox", target);
        await engine.PushAsync(target);
        // Nothing of it stays on the node: the pull downloads every layer.
        await engine.RemoveImageAsync(target, force: false);
        await engine.RemoveImageAsync("busybox", force: false);
        Assert.Empty(await engine.ListImagesAsync());

        await Host.CreateUserAsync("mia", "web", TeamRole.Member);
        using var mia = await Host.UserAsync("mia");
        var response = await mia.PostAsJsonAsync("api/v1/images/pull", new { reference = target });
        var accepted = await response.Json(HttpStatusCode.Accepted);
        var pullId = accepted.Id();
        Assert.Equal($"/api/v1/images/pulls/{pullId}", response.Headers.Location?.ToString());
        Assert.Equal(target, accepted.Str("reference"));

        JsonElement pull = default;
        await HostHarness.WaitUntilAsync(async () => (pull = await mia.Get($"api/v1/images/pulls/{pullId}")).Str("state") is "done" or "failed", "the pull to finish", 60);
        Assert.True(pull.Str("state") == "done", pull.ToString());
        var layer = Assert.Single(pull.GetProperty("layers").EnumerateArray());
        Assert.Equal("complete", layer.Str("state"));
        Assert.True(layer.GetProperty("total").GetInt64() > 100_000);
        Assert.Equal(layer.GetProperty("total").GetInt64(), layer.GetProperty("done").GetInt64());
        Assert.Equal(pull.GetProperty("bytesTotal").GetInt64(), pull.GetProperty("bytesDone").GetInt64());

        var images = await mia.Get("api/v1/images");
        var image = Assert.Single(images.EnumerateArray());
        Assert.Equal(target, image.Str("reference"));
        Assert.Equal(pull.Str("imageId"), image.Str("id"));
        Assert.True(image.GetProperty("sizeBytes").GetInt64() >= layer.GetProperty("total").GetInt64());
        await using (var db = Host.NewDb())
        {
            var row = await db.NodeImages.SingleAsync();
            Assert.Equal(("test-node", target, pull.Str("imageId")), (row.NodeId, row.Reference, row.ImageId));
            Assert.True(await db.Events.AnyAsync(e => e.Action == "image-pull" && e.Detail!.StartsWith(target)));
        }
        Assert.Single(await Host.AuditAsync(a => a.Action == "image.pull" && a.Actor == "mia" && a.Outcome == "allowed" && a.TargetId == target));

        var container = await mia.Launch(new { image = target, command = new[] { "sleep", "1000" } });
        Assert.Equal("running", container.Str("state"));
    }

    [Fact]
    public async Task Pull_MissingRepository_FailedWithTheErrorAndAudited()
    {
        using var registry = LocalRegistry.Start();
        using var admin = await Host.AdminAsync();
        var target = $"{registry.Host}/nothing/here:1";
        var pullId = (await admin.Post("api/v1/images/pull", new { reference = target }, HttpStatusCode.Accepted)).Id();
        JsonElement pull = default;
        await HostHarness.WaitUntilAsync(async () => (pull = await admin.Get($"api/v1/images/pulls/{pullId}")).Str("state") is "done" or "failed", "the pull to finish", 60);
        Assert.Equal("failed", pull.Str("state"));
        Assert.Contains("nothing/here", pull.Str("error"), StringComparison.Ordinal);
        await HostHarness.WaitUntilAsync(async () => (await Host.AuditAsync(a => a.Action == "image.pull" && a.Outcome == "failed")).Count == 1, "the failure's audit entry");
        await using var db = Host.NewDb();
        Assert.True(await db.Events.AnyAsync(e => e.Action == "image-pull-failed"));
        Assert.DoesNotContain((await admin.Get("api/v1/images")).EnumerateArray(), i => i.Str("reference").Contains("nothing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Upload_BusyboxArchiveUnderNewTag_ListedAndRunnable()
    {
        // Larger than the API's 1 MiB body limit: the upload route has its own.
        Assert.True(new FileInfo(BusyboxImage.ArchivePath).Length > BerthHost.MaxJsonBody);
        await Host.CreateUserAsync("mia", "web", TeamRole.Member);
        using var mia = await Host.UserAsync("mia");
        var loaded = await (await mia.PostAsync("api/v1/images/upload?tag=uploaded/busybox:v2", Archive(File.ReadAllBytes(BusyboxImage.ArchivePath)))).Json(HttpStatusCode.OK);
        Assert.Equal(["busybox:latest", "uploaded/busybox:v2"], loaded.EnumerateArray().Select(i => i.Str("reference")).Order(StringComparer.Ordinal));
        Assert.Contains((await mia.Get("api/v1/images")).EnumerateArray(), i => i.Str("reference") == "uploaded/busybox:v2");
        Assert.Single(await Host.AuditAsync(a => a.Action == "image.upload" && a.Actor == "mia" && a.Outcome == "allowed"));
        Assert.True(Host.Engine.HasImage("uploaded/busybox:v2"));
        var container = await mia.Launch(new { image = "uploaded/busybox:v2", command = new[] { "sleep", "1000" } });
        Assert.Equal("running", container.Str("state"));
    }

    [Fact]
    public async Task Upload_BadArchive_400AndNothingLoaded()
    {
        using var admin = await Host.AdminAsync();
        var before = (await Host.Engine.ListImagesAsync()).Select(i => i.Reference.ToString()).ToList();
        var blobs = Host.Engine.Images.Content.List().Count;
        var detail = await (await admin.PostAsync("api/v1/images/upload?tag=junk:1", Archive(RandomNumberGenerator.GetBytes(64 * 1024)))).Problem(HttpStatusCode.BadRequest);
        Assert.NotEmpty(detail);
        Assert.Equal(before, (await Host.Engine.ListImagesAsync()).Select(i => i.Reference.ToString()).ToList());
        Assert.Equal(blobs, Host.Engine.Images.Content.List().Count);
        Assert.False(Host.Engine.HasImage("junk:1"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Host.HostDirectory, "uploads")));
        await (await admin.PostAsync("api/v1/images/upload?tag=Bad%20Tag", Archive([1, 2, 3]))).Problem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Remove_InUse409_NotAdmin403_UnusedNameRemoved()
    {
        using var admin = await Host.AdminAsync();
        await Host.CreateUserAsync("mia", "web", TeamRole.Member);
        using var mia = await Host.UserAsync("mia");
        await (await mia.PostAsync("api/v1/images/upload?tag=spare/busybox:1", Archive(File.ReadAllBytes(BusyboxImage.ArchivePath)))).Json(HttpStatusCode.OK);
        var container = await mia.Launch(new { image = "busybox", command = new[] { "sleep", "1000" }, name = "user-of-busybox" });

        var detail = await (await admin.DeleteAsync("api/v1/images/busybox:latest")).Problem(HttpStatusCode.Conflict);
        Assert.Contains("user-of-busybox", detail, StringComparison.Ordinal);
        Assert.True(Host.Engine.HasImage("busybox"));

        var before = await Host.AuditHeadAsync();
        await (await mia.DeleteAsync("api/v1/images/spare/busybox:1")).Problem(HttpStatusCode.Forbidden);
        await Host.AssertDeniedAsync("mia", "image.remove", before);
        await (await mia.PostAsync("api/v1/images/prune", null)).Problem(HttpStatusCode.Forbidden);
        await Host.AssertDeniedAsync("mia", "image.prune", before);

        var removed = await (await admin.DeleteAsync("api/v1/images/spare/busybox:1")).Json(HttpStatusCode.OK);
        Assert.Equal(["spare/busybox:1"], removed.GetProperty("untagged").EnumerateArray().Select(n => n.GetString()));
        Assert.False(Host.Engine.HasImage("spare/busybox:1"));
        await (await admin.DeleteAsync("api/v1/images/spare/busybox:1")).Problem(HttpStatusCode.NotFound);
        await using (var db = Host.NewDb())
            Assert.Equal(["busybox:latest"], await db.NodeImages.Select(i => i.Reference).ToListAsync());

        // Once its container is gone, the image goes too.
        Assert.Equal(HttpStatusCode.NoContent, (await mia.DeleteAsync($"api/v1/containers/{container.Id()}")).StatusCode);
        await (await admin.DeleteAsync("api/v1/images/busybox")).Json(HttpStatusCode.OK);
        Assert.Empty(await Host.Engine.ListImagesAsync());
        var pruned = await (await admin.PostAsync("api/v1/images/prune", null)).Json(HttpStatusCode.OK);
        Assert.True(pruned.GetProperty("bytes").GetInt64() >= 0);
        Assert.Equal(["image.remove", "image.remove", "image.prune"],
            (await Host.AuditAsync(a => a.Id > before && a.Outcome == "allowed" && a.Action.StartsWith("image."))).Select(a => a.Action));
    }

    [Fact]
    public async Task PullAndUpload_ViewerOnly_403Audited_PullOfAnotherUserNotFound()
    {
        await Host.CreateUserAsync("vic", "web", TeamRole.Viewer);
        using var vic = await Host.UserAsync("vic");
        using var admin = await Host.AdminAsync();
        var before = await Host.AuditHeadAsync();
        await (await vic.PostAsJsonAsync("api/v1/images/pull", new { reference = "127.0.0.1:1/x/y:1" })).Problem(HttpStatusCode.Forbidden);
        await Host.AssertDeniedAsync("vic", "image.pull", before);
        await (await vic.PostAsync("api/v1/images/upload", Archive(File.ReadAllBytes(BusyboxImage.ArchivePath)))).Problem(HttpStatusCode.Forbidden);
        await Host.AssertDeniedAsync("vic", "image.upload", before);
        await (await admin.PostAsJsonAsync("api/v1/images/pull", new { reference = "not a reference" })).Problem(HttpStatusCode.BadRequest);
        await (await admin.SendRaw(HttpMethod.Post, "api/v1/images/pull", """{"reference":""")).Problem(HttpStatusCode.BadRequest);

        var pullId = (await admin.Post("api/v1/images/pull", new { reference = "127.0.0.1:1/x/y:1" }, HttpStatusCode.Accepted)).Id();
        await (await vic.GetAsync($"api/v1/images/pulls/{pullId}")).Problem(HttpStatusCode.NotFound);
        await (await vic.GetAsync($"api/v1/images/pulls/{Guid.NewGuid()}")).Problem(HttpStatusCode.NotFound);
        Assert.Equal(["busybox:latest"], (await vic.Get("api/v1/images")).EnumerateArray().Select(i => i.Str("reference")));
    }

    [Fact]
    public async Task Inspect_ByNameAndIdPrefix_ConfigLayersAndNames_UnknownNotFound()
    {
        await Host.CreateUserAsync("vic", "web", TeamRole.Viewer);
        using var vic = await Host.UserAsync("vic");
        await Host.Engine.TagAsync("busybox", "mirror.example/tools/busybox:1");
        var resolved = await Host.Engine.ResolveImageAsync("busybox");

        var image = await vic.Get("api/v1/images/mirror.example/tools/busybox:1");
        Assert.Equal(resolved.Id, image.Str("id"));
        Assert.Equal(resolved.ManifestDescriptor.Digest.ToString(), image.Str("manifestDigest"));
        Assert.Equal(["busybox:latest", "mirror.example/tools/busybox:1"], image.GetProperty("names").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal("linux/amd64", image.Str("platform"));
        Assert.Equal(["sh"], image.GetProperty("cmd").EnumerateArray().Select(n => n.GetString()));
        Assert.Contains(image.GetProperty("env").EnumerateArray(), e => e.GetString()!.StartsWith("PATH=", StringComparison.Ordinal));
        var layer = Assert.Single(image.GetProperty("layers").EnumerateArray());
        Assert.Equal(resolved.Manifest.Layers[0].Digest.ToString(), layer.Str("digest"));
        Assert.Equal(resolved.Config.DiffIds[0].ToString(), layer.Str("diffId"));
        Assert.True(layer.GetProperty("sizeBytes").GetInt64() > 100_000);
        Assert.Equal(resolved.Manifest.Config.Size + layer.GetProperty("sizeBytes").GetInt64(), image.GetProperty("sizeBytes").GetInt64());
        Assert.Equal((await vic.Get("api/v1/images")).EnumerateArray().First(i => i.Str("reference") == "busybox:latest").GetProperty("sizeBytes").GetInt64(),
            image.GetProperty("sizeBytes").GetInt64());

        var byId = await vic.Get("api/v1/images/" + resolved.ConfigDigest.Hex[..12]);
        Assert.Equal(resolved.Id, byId.Str("id"));
        var missing = await (await vic.GetAsync("api/v1/images/nothing/here:1")).Problem(HttpStatusCode.NotFound);
        Assert.Contains("nothing/here", missing, StringComparison.Ordinal);
    }

    private static ByteArrayContent Archive(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        return content;
    }
}
