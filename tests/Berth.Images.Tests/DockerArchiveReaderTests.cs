using System.Formats.Tar;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Images.Tests;

public sealed class DockerArchiveReaderTests : IDisposable
{
    private readonly string _storeDir = TestPaths.NewDirectory("store");
    private readonly ContentStore _store;

    public DockerArchiveReaderTests() => _store = new ContentStore(_storeDir);

    public void Dispose() => TestPaths.DeleteDirectory(_storeDir);

    /// <summary>Two small layer tars (the second holding a file of the first's, changed).</summary>
    private static byte[] LayerTar(string file, string content)
    {
        using var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            var e = new PaxTarEntry(TarEntryType.RegularFile, file) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };
            w.WriteEntry(e);
        }
        return ms.ToArray();
    }

    private sealed record Archive(byte[] Bytes, byte[][] Layers, string ConfigName);

    /// <summary>A docker save archive: HEX.json config, ID/layer.tar layers, manifest.json, repositories.</summary>
    private static Archive Build(Action<JsonObject>? editConfig = null, Action<List<(string Name, byte[]? Data, string? Link)>>? editEntries = null)
    {
        byte[][] layers = [LayerTar("etc/motd", "one"), LayerTar("etc/motd", "two")];
        var config = new JsonObject
        {
            ["os"] = "linux", ["architecture"] = "amd64",
            ["config"] = new JsonObject { ["Cmd"] = new JsonArray("cat", "/etc/motd") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(layers.Select(l => (JsonNode)Digest.Of(l).ToString()).ToArray()) },
        };
        editConfig?.Invoke(config);
        var configBytes = Encoding.UTF8.GetBytes(config.ToJsonString());
        var configName = Digest.Of(configBytes).Hex + ".json";
        var manifest = new JsonArray(new JsonObject
        {
            ["Config"] = configName,
            ["RepoTags"] = new JsonArray("motd:2"),
            ["Layers"] = new JsonArray("aaa/layer.tar", "bbb/layer.tar"),
        });
        var entries = new List<(string Name, byte[]? Data, string? Link)>
        {
            (configName, configBytes, null),
            ("aaa/", null, null), ("aaa/layer.tar", layers[0], null),
            ("bbb/", null, null), ("bbb/layer.tar", layers[1], null),
            ("manifest.json", Encoding.UTF8.GetBytes(manifest.ToJsonString()), null),
            ("repositories", "{\"motd\":{\"2\":\"bbb\"}}"u8.ToArray(), null),
        };
        editEntries?.Invoke(entries);
        using var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, data, link) in entries)
            {
                var type = link is not null ? TarEntryType.SymbolicLink : name.EndsWith('/') ? TarEntryType.Directory : TarEntryType.RegularFile;
                var entry = new PaxTarEntry(type, name);
                if (link is not null) entry.LinkName = link;
                if (data is not null) entry.DataStream = new MemoryStream(data);
                w.WriteEntry(entry);
            }
        }
        return new Archive(ms.ToArray(), layers, configName);
    }

    private Task<IReadOnlyList<ArchiveImage>> Import(byte[] archive) => DockerArchiveReader.ImportAsync(new MemoryStream(archive), _store);

    [Fact]
    public async Task ImportAsync_DockerSave_ImageWithTagsLayersAndAnOciManifest()
    {
        var archive = Build();

        var image = Assert.Single(await Import(archive.Bytes));

        Assert.Equal(["motd:2"], image.RepoTags);
        Assert.Equal(archive.Layers.Select(l => Digest.Of(l)), image.Manifest.Layers.Select(l => l.Digest));
        Assert.All(image.Manifest.Layers, l => Assert.Equal(MediaTypes.OciLayer, l.MediaType));
        var stored = Assert.IsType<ImageManifest>(ManifestReader.Read(await _store.ReadAllAsync(image.ManifestDescriptor.Digest)));
        Assert.Equal(image.Manifest.Config.Digest, stored.Config.Digest);
        Assert.Equal(["cat", "/etc/motd"], ImageConfigReader.Read(await _store.ReadAllAsync(stored.Config.Digest)).DefaultArgs);
        Assert.Equal(archive.Layers[1], await File.ReadAllBytesAsync(_store.PathOf(stored.Layers[1].Digest)));
    }

    [Fact]
    public async Task ImportAsync_LayersAsSymlinksToBlobs_Followed()
    {
        // Newer docker save writes layers under blobs/sha256/ and points the old paths at them.
        var archive = Build(editEntries: entries =>
        {
            var layer = entries.Single(e => e.Name == "bbb/layer.tar");
            entries.Remove(layer);
            entries.Add(("blobs/", null, null));
            entries.Add(("blobs/sha256/", null, null));
            entries.Add(($"blobs/sha256/{Digest.Of(layer.Data!).Hex}", layer.Data, null));
            entries.Add(("bbb/layer.tar", null, $"../blobs/sha256/{Digest.Of(layer.Data!).Hex}"));
        });

        var image = Assert.Single(await Import(archive.Bytes));

        Assert.Equal(Digest.Of(archive.Layers[1]), image.Manifest.Layers[1].Digest);
    }

    [Theory]
    [InlineData("../escape", "points outside the archive")]
    [InlineData("/etc/passwd", "points outside the archive")]
    [InlineData("a/../../b", "points outside the archive")]
    public async Task ImportAsync_EntryOutsideTheArchive_Refused(string name, string expected)
    {
        var archive = Build(editEntries: entries => entries.Insert(0, (name, "x"u8.ToArray(), null)));

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(archive.Bytes));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportAsync_LinkOutsideTheArchive_Refused()
    {
        var archive = Build(editEntries: entries => entries.Add(("evil", null, "../../etc/shadow")));

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(archive.Bytes));

        Assert.Contains("link evil points outside the archive", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportAsync_DiffIdsThatDoNotMatch_Refused()
    {
        var archive = Build(editConfig: c => c["rootfs"]!["diff_ids"] = new JsonArray(Digest.Of([1]).ToString(), Digest.Of([2]).ToString()));

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(archive.Bytes));

        Assert.Contains("do not match its rootfs.diff_ids", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportAsync_ConfigNotMatchingItsName_Refused()
    {
        var archive = Build(editEntries: entries =>
        {
            var i = entries.FindIndex(e => e.Name.EndsWith(".json", StringComparison.Ordinal) && e.Name != "manifest.json");
            var (name, data, _) = entries[i];
            var changed = Encoding.UTF8.GetString(data!).Replace("/etc/motd", "/etc/hosts", StringComparison.Ordinal);
            entries[i] = (name, Encoding.UTF8.GetBytes(changed), null);
        });

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(archive.Bytes));

        Assert.Contains("does not match its digest", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("manifest.json", "it has no manifest.json")]
    [InlineData("bbb/layer.tar", "layer bbb/layer.tar is missing")]
    public async Task ImportAsync_PieceMissing_Refused(string missing, string expected)
    {
        var archive = Build(editEntries: entries => entries.RemoveAll(e => e.Name == missing));

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(archive.Bytes));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportAsync_Truncated_RefusedAsDamaged()
    {
        var archive = Build();

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(archive.Bytes[..(archive.Bytes.Length / 2)]));

        Assert.Contains("docker-archive", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportAsync_DeviceNode_Refused()
    {
        using var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
            w.WriteEntry(new PaxTarEntry(TarEntryType.CharacterDevice, "dev/null") { DeviceMajor = 1, DeviceMinor = 3 });

        var e = await Assert.ThrowsAsync<ImageException>(() => Import(ms.ToArray()));

        Assert.Contains("entry dev/null is a CharacterDevice", e.Message, StringComparison.Ordinal);
    }
}
