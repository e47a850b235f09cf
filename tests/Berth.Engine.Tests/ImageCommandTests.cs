using System.Formats.Tar;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Images;
using Berth.Testing;

namespace Berth.Engine.Tests;

public sealed class ImageCommandTests : IDisposable
{
    private readonly EngineHarness _h = new();
    private readonly List<string> _dirs = [];

    public void Dispose()
    {
        try { _h.Dispose(); }
        finally { foreach (var d in _dirs) TestPaths.DeleteDirectory(d); }
    }

    private string ImageId(string name) => (string)JsonNode.Parse(_h.Ok("image", "inspect", name).Stdout)!.AsArray()[0]!["Id"]!;

    [RequiresRootFact]
    public void Load_DockerArchive_NamesTheImageAndListsIt()
    {
        var ls = _h.Ok("images").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var inspect = JsonNode.Parse(_h.Ok("image", "inspect", "busybox").Stdout)!.AsArray()[0]!;

        Assert.Equal(2, ls.Length);
        Assert.Matches(@"^busybox\s+latest\s+[0-9a-f]{12}\s+\d", ls[1]);
        Assert.Equal("busybox:latest", (string)inspect["RepoTags"]![0]!);
        Assert.Equal("sh", (string)inspect["Config"]!["Cmd"]![0]!);
        Assert.StartsWith("sha256:", (string)inspect["Id"]!);
    }

    [RequiresRootFact]
    public void Load_DamagedArchive_IsRefusedAndNamesNothing()
    {
        var dir = TestPaths.NewDirectory("damaged");
        _dirs.Add(dir);
        var bytes = File.ReadAllBytes(BusyboxImage.ArchivePath);
        var cut = Path.Combine(dir, "cut.tar");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);

        var result = _h.Run("image", "load", "-i", cut);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("load", result.Stderr);
        Assert.Single(_h.Ok("images", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [RequiresRootFact]
    public void Tag_GivesASecondNameAndRunWorksByNameAndId()
    {
        _h.Ok("tag", "busybox", "tools/shell:v1");
        var id = ImageId("busybox");

        Assert.Equal(id, ImageId("tools/shell:v1"));
        Assert.Equal("by-name\n", _h.Ok("run", "--rm", "tools/shell:v1", "echo", "by-name").Stdout);
        Assert.Equal("by-id\n", _h.Ok("run", "--rm", id[7..19], "echo", "by-id").Stdout);
    }

    [RequiresRootFact]
    public void Rmi_ImageInUse_IsRefusedUntilTheContainerGoes()
    {
        _h.Ok("run", "--name", "user", "busybox", "true");

        var refused = _h.Run("rmi", "busybox");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("is used by container user", refused.Stderr);

        _h.Ok("rm", "user");
        var removed = _h.Ok("rmi", "busybox").Stdout;
        Assert.Contains("Untagged: busybox:latest", removed);
        Assert.Empty(Directory.GetFiles(Path.Combine(_h.DataRoot, "images", "blobs", "sha256")));
        Assert.Empty(Directory.GetDirectories(Path.Combine(_h.DataRoot, "snapshots")));
    }

    [RequiresRootFact]
    public void Prune_KeepsWhatIsInUseAndRemovesOrphans()
    {
        _h.Ok("run", "-d", "--name", "keeper", "busybox", "sleep", "1000");
        var content = new ContentStore(Path.Combine(_h.DataRoot, "images"));
        var orphan = content.WriteAsync("an orphan blob"u8.ToArray()).GetAwaiter().GetResult();
        var orphanSnapshot = Path.Combine(_h.DataRoot, "snapshots", new string('a', 64), "fs");
        Directory.CreateDirectory(orphanSnapshot);
        _h.Ok("image", "prune");

        Assert.False(content.Exists(orphan));
        Assert.False(Directory.Exists(orphanSnapshot));
        Assert.Equal("still\n", _h.Ok("exec", "keeper", "echo", "still").Stdout);
        Assert.Equal("ok\n", _h.Ok("run", "--rm", "busybox", "echo", "ok").Stdout);

        // A container made from an image keeps its layers even when the image's name goes.
        _h.Ok("rmi", "-f", "busybox");
        Assert.Single(Directory.GetDirectories(Path.Combine(_h.DataRoot, "snapshots")));
        _h.Ok("image", "prune");
        Assert.Equal("still\n", _h.Ok("exec", "keeper", "echo", "still").Stdout);
        _h.Ok("rm", "-f", "keeper");
        _h.Ok("system", "prune", "-f");
        Assert.Empty(Directory.GetDirectories(Path.Combine(_h.DataRoot, "snapshots")));
        Assert.Empty(Directory.GetFiles(Path.Combine(_h.DataRoot, "images", "blobs", "sha256")));
    }

    [RequiresRootFact]
    public void SecondContainer_SharesTheUnpackedLayersAndCopiesNothing()
    {
        _h.Ok("run", "-d", "--name", "a", "busybox", "sleep", "1000");
        _h.Ok("run", "-d", "--name", "b", "busybox", "sleep", "1000");
        var snapshots = Directory.GetDirectories(Path.Combine(_h.DataRoot, "snapshots"));
        var engine = _h.Engine;

        Assert.Single(snapshots);
        foreach (var name in new[] { "a", "b" })
        {
            // The upper layer holds at most the empty mount points of the engine's /etc files, never a copy of the image's.
            var upper = Path.Combine(engine.Containers.Dir(engine.Containers.Find(name).Id), "upper");
            var files = Directory.GetFiles(upper, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(upper, f)).ToList();
            Assert.All(files, f => Assert.Contains(f, new[] { "etc/hosts", "etc/hostname", "etc/resolv.conf" }));
            Assert.All(files, f => Assert.Equal(0, new FileInfo(Path.Combine(upper, f)).Length));
        }
        var busyboxInSnapshot = new FileInfo(Path.Combine(snapshots[0], "fs", "bin", "busybox")).Length;
        Assert.Equal(busyboxInSnapshot.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n", _h.Ok("exec", "b", "stat", "-c", "%s", "/bin/busybox").Stdout);
    }

    [RequiresRootFact]
    public void Run_LayeredImageWithWhiteouts_SeesTheMergedTree()
    {
        var dir = TestPaths.NewDirectory("layered");
        _dirs.Add(dir);
        // A second layer over busybox that deletes /etc/hostname, empties /root (opaque) and adds a file.
        var layer = new MemoryStream();
        using (var w = new TarWriter(layer, TarEntryFormat.Pax, leaveOpen: true))
        {
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "etc/.wh.hostname") { DataStream = new MemoryStream() });
            w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "root/") { Mode = (UnixFileMode)0x1c0 });
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "root/.wh..wh..opq") { DataStream = new MemoryStream() });
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "added.txt") { Mode = (UnixFileMode)0x1a4, DataStream = new MemoryStream("from layer two\n"u8.ToArray()) });
        }
        var archive = Layered(dir, layer.ToArray());

        _h.Ok("load", "-i", archive);
        var result = _h.Ok("run", "--rm", "layered:two", "sh", "-c", "cat /added.txt; ls -A /root | wc -l; test -e /etc/hostname.orig || echo no-orig; grep -c root /etc/passwd");

        Assert.Equal("from layer two\n0\nno-orig\n1\n", result.Stdout);
    }

    /// <summary>A docker-archive of busybox plus <paramref name="second"/> as a second layer, named layered:two.</summary>
    private static string Layered(string dir, byte[] second) => Derived(dir, "layered:two", _ => { }, second);

    /// <summary>A docker-archive of busybox named <paramref name="name"/>, its config changed by <paramref name="edit"/>, with an optional second layer.</summary>
    private static string Derived(string dir, string name, Action<JsonNode> edit, byte[]? second = null)
    {
        using var source = new FileStream(BusyboxImage.ArchivePath, FileMode.Open, FileAccess.Read);
        var reader = new TarReader(source);
        byte[]? first = null, config = null;
        while (reader.GetNextEntry(copyData: true) is { } e)
        {
            using var ms = new MemoryStream();
            e.DataStream?.CopyTo(ms);
            if (e.Name.EndsWith("layer.tar", StringComparison.Ordinal)) first = ms.ToArray();
            else if (e.Name.EndsWith(".json", StringComparison.Ordinal) && e.Name != "manifest.json") config = ms.ToArray();
        }
        var layers = second is null ? new[] { first! } : [first!, second];
        var cfg = JsonNode.Parse(config!)!;
        cfg["rootfs"]!["diff_ids"] = new JsonArray(layers.Select(l => (JsonNode)JsonValue.Create(Digest.Of(l).ToString())!).ToArray());
        edit(cfg);
        var cfgBytes = Encoding.UTF8.GetBytes(cfg.ToJsonString());
        var cfgId = Digest.Of(cfgBytes);
        var layerNames = string.Join(',', layers.Select(l => $"\"{Digest.Of(l).Hex}/layer.tar\""));
        var manifest = $"[{{\"Config\":\"{cfgId.Hex}.json\",\"RepoTags\":[\"{name}\"],\"Layers\":[{layerNames}]}}]";
        var path = Path.Combine(dir, name.Replace(':', '-').Replace('/', '-') + ".tar");
        using var file = File.Create(path);
        using var writer = new TarWriter(file, TarEntryFormat.Pax);
        void Add(string entry, byte[] data) => writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, entry) { DataStream = new MemoryStream(data) });
        Add("manifest.json", Encoding.UTF8.GetBytes(manifest));
        Add(cfgId.Hex + ".json", cfgBytes);
        foreach (var layer in layers) Add(Digest.Of(layer).Hex + "/layer.tar", layer);
        return path;
    }

    [RequiresRootFact]
    public void Run_ImageVolumes_GetTheImagesContentAndKeepWritesAcrossStarts()
    {
        var dir = TestPaths.NewDirectory("volumes");
        _dirs.Add(dir);
        var archive = Derived(dir, "with/volumes:1", cfg => cfg["config"]!["Volumes"] = new JsonObject { ["/etc"] = new JsonObject(), ["/data"] = new JsonObject(), ["/covered"] = new JsonObject() });
        _h.Ok("load", "-i", archive);
        var host = TestPaths.NewDirectory("bind");
        _dirs.Add(host);

        var first = _h.Ok("run", "--name", "vol", "-v", host + ":/covered", "with/volumes:1", "sh", "-c",
            "head -1 /etc/passwd; echo kept > /etc/added; ls -A /data | wc -l; cat /etc/hostname; grep -c ' /etc ' /proc/self/mountinfo; touch /covered/from-container");
        _h.Ok("start", "vol");
        EngineHarness.WaitUntil(() => _h.Status("vol") == "exited", "the second run");

        Assert.Equal("root:x:0:0:root:/root:/bin/sh\n0\n" + _h.Inspect("vol")["hostname"] + "\n1\n", first.Stdout);
        Assert.Equal(2, _h.Ok("logs", "vol").Stdout.Split('\n').Count(l => l == "root:x:0:0:root:/root:/bin/sh"));
        var volumes = Path.Combine(_h.Engine.Containers.Dir((string)_h.Inspect("vol")["id"]!), "volumes");
        Assert.Equal(2, Directory.GetDirectories(volumes).Length);
        Assert.Contains(Directory.GetDirectories(volumes), d => File.Exists(Path.Combine(d, "added")) && File.Exists(Path.Combine(d, "passwd")));
        Assert.True(File.Exists(Path.Combine(host, "from-container")));
        _h.Ok("rm", "vol");
        Assert.False(Directory.Exists(volumes));
    }

    [RequiresRootFact]
    public void SystemDf_CountsImagesAndContainers()
    {
        _h.Ok("run", "--name", "c1", "busybox", "sh", "-c", "head -c 300000 /dev/zero > /blob");

        var lines = _h.Ok("system", "df").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Matches(@"^Images\s+1\s+1\s+\d", lines[1]);
        Assert.Matches(@"^Containers\s+1\s+0\s+3\d\d(\.\d+)?kB\s+3\d\d", lines[4]);
    }

    [RequiresRootFact]
    public void PushThenPull_ThroughTheLocalRegistry_RunsThePulledImage()
    {
        using var registry = LocalRegistry.Start();
        var target = $"{registry.Host}/team/shell:1.0";
        _h.Ok("tag", "busybox", target);

        var push = _h.Ok("push", target);
        _h.Ok("rmi", target);
        _h.Ok("rmi", "busybox");
        var pull = _h.Ok("pull", target);
        var again = _h.Ok("pull", target);
        var run = _h.Ok("run", "--rm", target, "echo", "from the registry");

        Assert.Contains("2 blobs pushed", push.Stdout);
        Assert.Contains("Pull complete", pull.Stdout);
        Assert.Contains("Status: Downloaded image for " + target, pull.Stdout);
        Assert.Contains("Already exists", again.Stdout);
        Assert.Equal("from the registry\n", run.Stdout);
        Assert.Contains(_h.Engine.Events.Read(), e => e.Action == "pull" && e.Subject == target);
    }

    [RequiresRootFact]
    public void Run_MissingImage_IsPulledFirst()
    {
        using var registry = LocalRegistry.Start();
        var target = $"{registry.Host}/auto/pulled:latest";
        _h.Ok("tag", "busybox", target);
        _h.Ok("push", target);
        _h.Ok("rmi", target);

        var run = _h.Ok("run", "--rm", target, "echo", "auto");

        Assert.Contains($"Unable to find image '{target}' locally", run.Stderr);
        Assert.Equal("auto\n", run.Stdout);
    }

    [RequiresRootFact]
    public void Run_PullNever_DoesNotReachOut()
    {
        var result = _h.Run("run", "--rm", "--pull", "never", "127.0.0.1:1/nothing/here");

        Assert.Equal(125, result.ExitCode);
        Assert.Contains("no such image", result.Stderr);
    }

    [RequiresRootTheory]
    [InlineData("docker-archive")]
    [InlineData("oci-archive")]
    public void Save_ThenLoadElsewhere_RunsTheSameImage(string format)
    {
        var dir = TestPaths.NewDirectory("save");
        _dirs.Add(dir);
        var archive = Path.Combine(dir, "image.tar");
        var id = ImageId("busybox");

        _h.Ok("save", "--format", format, "-o", archive, "busybox");
        using var other = new EngineHarness(loadBusybox: false);
        var load = other.Ok("load", "-i", archive);

        Assert.Contains("Loaded image: busybox:latest", load.Stdout);
        Assert.Equal(id, (string)JsonNode.Parse(other.Ok("image", "inspect", "busybox").Stdout)!.AsArray()[0]!["Id"]!);
        Assert.Equal("elsewhere\n", other.Ok("run", "--rm", "busybox", "echo", "elsewhere").Stdout);
    }

    [RequiresRootFact]
    public void Save_NoSuchImage_LeavesNoFile()
    {
        var dir = TestPaths.NewDirectory("save");
        _dirs.Add(dir);

        var result = _h.Run("save", "-o", Path.Combine(dir, "x.tar"), "busybox", "nothing:here");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no such image: nothing:here", result.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [RequiresRootFact]
    public void Import_RootfsTarball_MakesARunnableImageWithItsChanges()
    {
        var dir = TestPaths.NewDirectory("import");
        _dirs.Add(dir);
        var rootfs = Path.Combine(dir, "rootfs");
        BusyboxRootfs.CreateAt(rootfs);
        var tarball = Path.Combine(dir, "rootfs.tar.gz");
        using (var file = File.Create(tarball))
        using (var gz = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
            TarFile.CreateFromDirectory(rootfs, gz, includeBaseDirectory: false);

        var id = _h.Ok("import", "-c", "CMD [\"sh\", \"-c\", \"echo imported as $(id -un) in $PWD\"]", "-c", "USER app", "-c", "WORKDIR /tmp", tarball, "mine/imported:1").Stdout.Trim();
        var refused = _h.Run("load", "-i", tarball);

        Assert.StartsWith("sha256:", id);
        Assert.Equal("imported as app in /tmp\n", _h.Ok("run", "--rm", "mine/imported:1").Stdout);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("not an image archive; make an image of it with berth image import", refused.Stderr);
    }
}
