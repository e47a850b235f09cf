using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Images.Tests;

public sealed class ImageConfigReaderTests
{
    private static readonly string Layer = Digest.Of([9]).ToString();

    // Shaped as docker build writes it for a small image with every field Berth reads.
    private static JsonObject Full() => JsonNode.Parse($$$"""
        {
          "architecture": "amd64", "os": "linux",
          "config": {
            "User": "app:staff",
            "Env": ["PATH=/usr/bin:/bin", "MODE=prod"],
            "Entrypoint": ["/bin/server"], "Cmd": ["--port", "80"],
            "WorkingDir": "/srv",
            "ExposedPorts": {"80/tcp": {}, "53/udp": {}},
            "Volumes": {"/data": {}},
            "Labels": {"org.opencontainers.image.title": "server"},
            "StopSignal": "SIGQUIT",
            "Healthcheck": {"Test": ["CMD-SHELL", "wget -q localhost"], "Interval": 30000000000, "Timeout": 5000000000, "StartPeriod": 0, "Retries": 3}
          },
          "rootfs": {"type": "layers", "diff_ids": ["{{{Layer}}}"]},
          "history": [{"created_by": "COPY . /srv"}]
        }
        """)!.AsObject();

    private static ImageConfig Read(JsonNode node) => ImageConfigReader.Read(Encoding.UTF8.GetBytes(node.ToJsonString()));

    [Fact]
    public void Read_Full_EveryFieldBerthUses()
    {
        var c = Read(Full());

        Assert.Equal(Platform.Default, c.Platform);
        Assert.Equal("app:staff", c.User);
        Assert.Equal(["PATH=/usr/bin:/bin", "MODE=prod"], c.Env);
        Assert.Equal(["/bin/server", "--port", "80"], c.DefaultArgs);
        Assert.Equal("/srv", c.WorkingDir);
        Assert.Equal(["80/tcp", "53/udp"], c.ExposedPorts);
        Assert.Equal(["/data"], c.Volumes);
        Assert.Equal("server", c.Labels["org.opencontainers.image.title"]);
        Assert.Equal("SIGQUIT", c.StopSignal);
        Assert.Equal(["CMD-SHELL", "wget -q localhost"], c.Healthcheck!.Test);
        Assert.Equal(TimeSpan.FromSeconds(30), c.Healthcheck.Interval);
        Assert.Equal(TimeSpan.FromSeconds(5), c.Healthcheck.Timeout);
        Assert.Equal(3, c.Healthcheck.Retries);
        Assert.Equal([Layer], c.DiffIds.Select(d => d.ToString()));
    }

    [Fact]
    public void Read_NoConfigSection_DefaultsForEverything()
    {
        var c = Read(new JsonObject { ["os"] = "linux", ["architecture"] = "arm64", ["variant"] = "v8" });

        Assert.Equal(Platform.Parse("linux/arm64/v8"), c.Platform);
        Assert.Empty(c.DefaultArgs);
        Assert.Equal("", c.User);
        Assert.Null(c.Healthcheck);
        Assert.Null(c.StopSignal);
    }

    [Theory]
    [InlineData("os", null, "os and architecture are required")]
    [InlineData("architecture", 64, "image config.architecture must be a string")]
    [InlineData("config.Env", "PATH=/bin", "config.Env must be an array of strings")]
    [InlineData("config.Cmd", 1, "config.Cmd must be an array of strings")]
    [InlineData("config.Labels", "x", "config.Labels must be an object")]
    [InlineData("config.Healthcheck.Interval", -1, "config.Healthcheck.Interval must be a whole number of nanoseconds")]
    [InlineData("config.Healthcheck.Retries", "3", "config.Healthcheck.Retries must be a whole number")]
    [InlineData("rootfs.type", "tar", "rootfs.type is \"tar\", not \"layers\"")]
    [InlineData("rootfs.diff_ids", "sha256:00", "rootfs.diff_ids must be an array of strings")]
    public void Read_BadField_RefusedNamingIt(string path, object? value, string expected)
    {
        var root = Full();
        var parts = path.Split('.');
        var parent = parts[..^1].Aggregate((JsonNode)root, (node, p) => node[p]!).AsObject();
        if (value is null) parent.Remove(parts[^1]);
        else parent[parts[^1]] = JsonValue.Create(value);

        var e = Assert.Throws<ImageException>(() => Read(root));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BadDiffId_RefusedNamingIt()
    {
        var root = Full();
        root["rootfs"]!["diff_ids"] = new JsonArray("sha256:nothex");

        var e = Assert.Throws<ImageException>(() => Read(root));

        Assert.Contains("rootfs.diff_ids[0] \"sha256:nothex\" is not a sha256 digest", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MutatedConfigs_OnlyEverReadOrRefused()
    {
        var seed = Encoding.UTF8.GetBytes(Full().ToJsonString());
        var random = new Random(11);
        for (var round = 0; round < 3000; round++)
        {
            var data = seed.ToList();
            for (var k = random.Next(1, 5); k > 0 && data.Count > 0; k--)
            {
                var at = random.Next(data.Count);
                if (random.Next(2) == 0) data[at] = (byte)random.Next(256);
                else data.RemoveAt(at);
            }
            try
            {
                Assert.NotNull(ImageConfigReader.Read(data.ToArray()));
            }
            catch (ImageException)
            {
                // Refused: fine.
            }
        }
    }
}
