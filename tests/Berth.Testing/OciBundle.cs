using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Testing;

/// <summary>
/// An OCI bundle for one test: a fresh folder under <c>/tmp/berth-tests</c>
/// holding a busybox <c>rootfs</c> (see <see cref="BusyboxRootfs"/>) and a
/// <c>config.json</c> modelled on <c>runc spec</c>'s default, with no
/// terminal. Tweak <see cref="Config"/> (for example
/// <c>bundle.Config["process"]!["args"] = new JsonArray("sleep", "5")</c>)
/// and call <see cref="Save"/>. <see cref="Dispose"/> deletes the folder; it
/// unmounts nothing, because unmounting is the runtime's job and a leftover
/// mount should fail the test.
/// </summary>
public sealed class OciBundle : IDisposable
{
    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true };

    private OciBundle(string path, JsonObject config)
    {
        Path = path;
        Config = config;
    }

    /// <summary>The bundle folder (pass it as <c>--bundle</c>).</summary>
    public string Path { get; }

    /// <summary>The bundle's root file system, <c>Path/rootfs</c>.</summary>
    public string RootfsPath => System.IO.Path.Combine(Path, "rootfs");

    /// <summary>The bundle's <c>config.json</c>.</summary>
    public string ConfigPath => System.IO.Path.Combine(Path, "config.json");

    /// <summary>The configuration; changes reach the disk on <see cref="Save"/>.</summary>
    public JsonObject Config { get; }

    /// <summary>
    /// Creates a bundle whose process runs <paramref name="args"/>
    /// (default <c>sh</c>) and writes its <c>config.json</c>. The caller
    /// disposes it.
    /// </summary>
    /// <param name="args">The container process's argv.</param>
    /// <exception cref="InvalidOperationException">/bin/busybox is missing.</exception>
    public static OciBundle Create(params string[] args)
    {
        var path = TestPaths.NewDirectory("bundle");
        try
        {
            BusyboxRootfs.CreateAt(System.IO.Path.Combine(path, "rootfs"));
            var bundle = new OciBundle(path, DefaultConfig(args.Length == 0 ? ["sh"] : args));
            bundle.Save();
            return bundle;
        }
        catch
        {
            TestPaths.DeleteDirectory(path);
            throw;
        }
    }

    /// <summary>
    /// A new copy of the default configuration running <paramref name="args"/>:
    /// runc's default spec (read-only root, three capabilities, the default
    /// mounts, masked and read-only /proc paths, all devices denied) with
    /// <c>terminal</c> false, hostname <c>berth</c> and a cgroup namespace.
    /// </summary>
    /// <param name="args">The container process's argv.</param>
    public static JsonObject DefaultConfig(params string[] args)
    {
        JsonArray Caps() => new("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
        JsonArray Strings(params string[] values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
        JsonObject Mount(string destination, string type, string source, params string[] options)
        {
            var mount = new JsonObject { ["destination"] = destination, ["type"] = type, ["source"] = source };
            if (options.Length > 0)
            {
                mount["options"] = Strings(options);
            }

            return mount;
        }

        return new JsonObject
        {
            ["ociVersion"] = "1.0.2",
            ["process"] = new JsonObject
            {
                ["terminal"] = false,
                ["user"] = new JsonObject { ["uid"] = 0, ["gid"] = 0 },
                ["args"] = Strings(args),
                ["env"] = Strings("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"),
                ["cwd"] = "/",
                ["capabilities"] = new JsonObject
                {
                    ["bounding"] = Caps(),
                    ["effective"] = Caps(),
                    ["permitted"] = Caps(),
                    ["ambient"] = Caps(),
                },
                ["rlimits"] = new JsonArray(new JsonObject { ["type"] = "RLIMIT_NOFILE", ["hard"] = 1024, ["soft"] = 1024 }),
                ["noNewPrivileges"] = true,
            },
            ["root"] = new JsonObject { ["path"] = "rootfs", ["readonly"] = true },
            ["hostname"] = "berth",
            ["mounts"] = new JsonArray(
                Mount("/proc", "proc", "proc"),
                Mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
                Mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"),
                Mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"),
                Mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
                Mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"),
                Mount("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro")),
            ["linux"] = new JsonObject
            {
                ["resources"] = new JsonObject
                {
                    ["devices"] = new JsonArray(new JsonObject { ["allow"] = false, ["access"] = "rwm" }),
                },
                ["namespaces"] = new JsonArray(
                    new[] { "pid", "network", "ipc", "uts", "mount", "cgroup" }
                        .Select(t => (JsonNode?)new JsonObject { ["type"] = t }).ToArray()),
                ["maskedPaths"] = Strings(
                    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"),
                ["readonlyPaths"] = Strings("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"),
            },
        };
    }

    /// <summary>Writes <see cref="Config"/> to <see cref="ConfigPath"/>.</summary>
    public void Save() => File.WriteAllText(ConfigPath, Config.ToJsonString(WriteOptions));

    /// <summary>Deletes the bundle folder; a missing folder is fine.</summary>
    /// <exception cref="IOException">Something under it could not be removed (a leaked mount, say).</exception>
    public void Dispose() => TestPaths.DeleteDirectory(Path);
}
