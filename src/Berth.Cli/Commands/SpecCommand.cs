using System.Text.Json;
using Berth.Runtime;
using Berth.Runtime.Spec;

namespace Berth.Cli.Commands;

/// <summary><c>berth spec [--bundle DIR]</c>: writes a default config.json (running <c>sh</c> in <c>rootfs</c>).</summary>
public static class SpecCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new ArgParser("spec").Value("bundle", "b").Bool("rootless").Parse(args);
        p.NoPositional();
        if (p.Has("rootless")) throw new UsageException("spec: --rootless: rootless containers are not supported by berth");
        var dir = p.Get("bundle") ?? ".";
        var path = Path.Combine(dir, "config.json");
        if (File.Exists(path)) throw new UsageException($"spec: {path} already exists");
        if (!Directory.Exists(dir)) throw new UsageException($"spec: bundle directory {dir} does not exist");
        var options = new JsonSerializerOptions(SpecJsonContext.Default.Options) { WriteIndented = true };
        File.WriteAllText(path, JsonSerializer.Serialize(Default(), options.GetTypeInfo(typeof(RuntimeSpec))) + "\n");
        return 0;
    }

    /// <summary>The default container: busybox-friendly, no network, a minimal capability set, read-only root.</summary>
    public static RuntimeSpec Default()
    {
        List<string> caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
        return new RuntimeSpec
        {
            OciVersion = RuntimeInfo.OciVersion,
            Process = new ProcessSpec
            {
                Terminal = true,
                Args = ["sh"],
                Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
                Cwd = "/",
                Capabilities = new CapabilitiesSpec { Bounding = [.. caps], Effective = [.. caps], Permitted = [.. caps] },
                Rlimits = [new RlimitSpec { Type = "RLIMIT_NOFILE", Hard = 1024, Soft = 1024 }],
                NoNewPrivileges = true,
            },
            Root = new RootSpec { Path = "rootfs", Readonly = true },
            Hostname = "berth",
            Mounts =
            [
                new MountSpec { Destination = "/proc", Type = "proc", Source = "proc" },
                new MountSpec { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
                new MountSpec { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
                new MountSpec { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
                new MountSpec { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
                new MountSpec { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] },
                new MountSpec { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["nosuid", "noexec", "nodev", "relatime", "ro"] },
            ],
            Linux = new LinuxSpec
            {
                Resources = new ResourcesSpec { Devices = [new DeviceCgroupSpec { Allow = false, Access = "rwm" }] },
                Namespaces = [new() { Type = "pid" }, new() { Type = "network" }, new() { Type = "ipc" }, new() { Type = "uts" }, new() { Type = "mount" }, new() { Type = "cgroup" }],
                MaskedPaths = ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                    "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
                ReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
            },
        };
    }
}
