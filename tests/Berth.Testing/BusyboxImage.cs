using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;

namespace Berth.Testing;

/// <summary>
/// A busybox image as a <c>docker save</c> archive: one uncompressed layer made from <see cref="BusyboxRootfs"/>,
/// a config whose command is <c>sh</c>, named <c>busybox:latest</c>. Built once per test run; callers load it.
/// </summary>
public static class BusyboxImage
{
    private static readonly Lazy<string> Archive = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The archive's path (shared; do not change it).</summary>
    public static string ArchivePath => Archive.Value;

    private static string Build()
    {
        var dir = TestPaths.NewDirectory("busybox-image");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort at process exit; /tmp is cleaned eventually.
            }
        };
        var layerBytes = BusyboxRootfs.Tar;
        var layerHex = Convert.ToHexStringLower(SHA256.HashData(layerBytes));
        var config = Encoding.UTF8.GetBytes(
            "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"sh\"]}," +
            $"\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"sha256:{layerHex}\"]}}}}");
        var configHex = Convert.ToHexStringLower(SHA256.HashData(config));
        var manifest = Encoding.UTF8.GetBytes($"[{{\"Config\":\"{configHex}.json\",\"RepoTags\":[\"busybox:latest\"],\"Layers\":[\"{layerHex}/layer.tar\"]}}]");
        var path = Path.Combine(dir, "busybox.tar");
        using (var file = File.Create(path))
        using (var writer = new TarWriter(file, TarEntryFormat.Pax))
        {
            void Add(string name, byte[] data) => writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            Add("manifest.json", manifest);
            Add(configHex + ".json", config);
            Add(layerHex + "/layer.tar", layerBytes);
        }
        return path;
    }
}
