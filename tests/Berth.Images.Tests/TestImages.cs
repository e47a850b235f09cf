using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Images.Tests;

/// <summary>An entry of a tar a test builds: a file (<see cref="Data"/>), a folder (name ending in /), or a link.</summary>
internal sealed record TarItem(string Name, byte[]? Data = null, string? Link = null, TarEntryType? Type = null);

/// <summary>An image a test built: its blobs by digest, its manifest's descriptor, config and layers.</summary>
internal sealed record TestImage(Dictionary<Digest, byte[]> Blobs, Descriptor Manifest, byte[] Config, IReadOnlyList<byte[]> LayerTars, IReadOnlyList<byte[]> LayerBlobs);

/// <summary>Images and archives built from real content (a busybox root file system, small tars) for the archive tests.</summary>
internal static class TestImages
{
    /// <summary>A tar of a busybox root file system.</summary>
    public static byte[] BusyboxTar => BusyboxRootfs.Tar;

    /// <summary>A tar of one small file.</summary>
    public static byte[] SmallTar(string file, string content) => Tar([new TarItem(file, Encoding.UTF8.GetBytes(content))]);

    /// <summary>Writes <paramref name="items"/> as a PAX tar, in order.</summary>
    public static byte[] Tar(IEnumerable<TarItem> items)
    {
        using var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var item in items)
            {
                var type = item.Type ?? (item.Link is not null ? TarEntryType.SymbolicLink : item.Name.EndsWith('/') ? TarEntryType.Directory : TarEntryType.RegularFile);
                var entry = new PaxTarEntry(type, item.Name);
                if (item.Link is not null) entry.LinkName = item.Link;
                if (item.Data is not null) entry.DataStream = new MemoryStream(item.Data);
                w.WriteEntry(entry);
            }
        }
        return ms.ToArray();
    }

    /// <summary><paramref name="tar"/> compressed as a layer of <paramref name="compression"/>.</summary>
    public static byte[] Compress(byte[] tar, LayerCompression compression)
    {
        using var ms = new MemoryStream();
        switch (compression)
        {
            case LayerCompression.Gzip:
                using (var z = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) z.Write(tar);
                break;
            case LayerCompression.Zstd:
                using (var z = new ZstdSharp.CompressionStream(ms, 3, leaveOpen: true)) z.Write(tar);
                break;
            default:
                return tar;
        }
        return ms.ToArray();
    }

    private static string LayerType(LayerCompression c) => c switch
    {
        LayerCompression.Gzip => MediaTypes.OciLayerGzip,
        LayerCompression.Zstd => MediaTypes.OciLayerZstd,
        _ => MediaTypes.OciLayer,
    };

    /// <summary>An OCI image of <paramref name="layerTars"/>, each compressed as <paramref name="compression"/>, running <paramref name="cmd"/>.</summary>
    public static TestImage Build(IReadOnlyList<byte[]> layerTars, LayerCompression compression, string cmd = "sh")
    {
        var blobs = new Dictionary<Digest, byte[]>();
        Descriptor Add(string mediaType, byte[] data)
        {
            blobs[Digest.Of(data)] = data;
            return new Descriptor(mediaType, Digest.Of(data), data.Length);
        }
        var layerBlobs = layerTars.Select(t => Compress(t, compression)).ToList();
        var config = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["os"] = "linux", ["architecture"] = "amd64",
            ["config"] = new JsonObject { ["Cmd"] = new JsonArray(cmd) },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(layerTars.Select(l => (JsonNode)Digest.Of(l).ToString()).ToArray()) },
        }.ToJsonString());
        var manifest = new ImageManifest(MediaTypes.OciManifest, Add(MediaTypes.OciConfig, config), layerBlobs.Select(b => Add(LayerType(compression), b)).ToList());
        var manifestDescriptor = Add(MediaTypes.OciManifest, ManifestWriter.Write(manifest));
        return new TestImage(blobs, manifestDescriptor, config, layerTars, layerBlobs);
    }

    /// <summary>The busybox image with its layer compressed as <paramref name="compression"/>.</summary>
    public static TestImage BusyboxImage(LayerCompression compression) => Build([BusyboxTar], compression);

    /// <summary>
    /// The entries of an OCI layout tar holding <paramref name="images"/>, in the order skopeo writes them (blobs, then
    /// <c>index.json</c>, then <c>oci-layout</c>).
    /// </summary>
    public static List<TarItem> OciLayout(params (TestImage Image, string? RefName)[] images)
    {
        var items = new List<TarItem> { new("blobs/"), new("blobs/sha256/") };
        var blobs = images.SelectMany(i => i.Image.Blobs).DistinctBy(b => b.Key).OrderBy(b => b.Key.Hex, StringComparer.Ordinal);
        items.AddRange(blobs.Select(b => new TarItem("blobs/sha256/" + b.Key.Hex, b.Value)));
        var manifests = new JsonArray();
        foreach (var (image, refName) in images)
        {
            var entry = new JsonObject { ["mediaType"] = image.Manifest.MediaType, ["digest"] = image.Manifest.Digest.ToString(), ["size"] = image.Manifest.Size };
            if (refName is not null)
            {
                // "ref|image name" stands for both annotations, as containerd and newer docker save write them.
                var parts = refName.Split('|');
                entry["annotations"] = parts.Length == 1
                    ? new JsonObject { ["org.opencontainers.image.ref.name"] = refName }
                    : new JsonObject { ["org.opencontainers.image.ref.name"] = parts[0], ["io.containerd.image.name"] = parts[1] };
            }
            manifests.Add(entry);
        }
        items.Add(new TarItem("index.json", Encoding.UTF8.GetBytes(new JsonObject { ["schemaVersion"] = 2, ["manifests"] = manifests }.ToJsonString())));
        items.Add(new TarItem("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray()));
        return items;
    }

    /// <summary>
    /// The entries of a docker-archive (as <c>docker save</c> before version 25 writes it) of an image of uncompressed
    /// layers: <c>HEX.json</c>, <c>ID/layer.tar</c> for each layer, <c>manifest.json</c>, <c>repositories</c>.
    /// </summary>
    public static List<TarItem> DockerArchive(TestImage image, params string[] repoTags)
    {
        var configName = Digest.Of(image.Config).Hex + ".json";
        var items = new List<TarItem> { new(configName, image.Config) };
        var layerNames = new JsonArray();
        foreach (var tar in image.LayerTars)
        {
            var id = Digest.Of(tar).Hex;
            items.Add(new TarItem(id + "/"));
            items.Add(new TarItem(id + "/layer.tar", tar));
            items.Add(new TarItem(id + "/VERSION", "1.0"u8.ToArray()));
            layerNames.Add(id + "/layer.tar");
        }
        var manifest = new JsonArray(new JsonObject
        {
            ["Config"] = configName,
            ["RepoTags"] = new JsonArray(repoTags.Select(t => (JsonNode)t).ToArray()),
            ["Layers"] = layerNames,
        });
        items.Add(new TarItem("manifest.json", Encoding.UTF8.GetBytes(manifest.ToJsonString())));
        items.Add(new TarItem("repositories", "{}"u8.ToArray()));
        return items;
    }

    /// <summary>Runs a program to its end; fails the test with its output when it exits non-zero.</summary>
    public static string Run(string program, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{program} {string.Join(' ', args)} exited {p.ExitCode}: {stderr.Result}");
        return stdout;
    }
}
