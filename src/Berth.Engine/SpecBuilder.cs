using Berth.Runtime;
using Berth.Runtime.Spec;

namespace Berth.Engine;

/// <summary>Turns a container record (and its user, resolved in its root) into the OCI runtime config the runtime runs.</summary>
public static class SpecBuilder
{
    /// <summary>The files the engine writes for each container and binds over the image's.</summary>
    public static readonly IReadOnlyList<string> EtcFiles = ["hosts", "hostname", "resolv.conf"];

    /// <summary>
    /// Builds the config; <paramref name="containerDir"/> holds the hosts, hostname and resolv.conf files, and
    /// <paramref name="volumes"/> are the bind mounts of the image's anonymous volumes.
    /// </summary>
    public static RuntimeSpec Build(ContainerRecord record, ImageUser.Resolved user, string containerDir, IReadOnlyList<MountSpec>? volumes = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(user);
        var env = record.Env.ToList();
        if (!env.Any(e => e.StartsWith("HOME=", StringComparison.Ordinal))) env.Add("HOME=" + user.Home);
        List<string> caps = [.. DefaultSecurity.Capabilities];
        var mounts = new List<MountSpec>
        {
            new() { Destination = "/proc", Type = "proc", Source = "proc", Options = ["nosuid", "noexec", "nodev"] },
            new() { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
            new() { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
            new() { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
            new() { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
            new() { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] },
            new() { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["nosuid", "noexec", "nodev", "relatime", "ro"] },
        };
        foreach (var tmpfs in record.Tmpfs)
        {
            var (path, options) = tmpfs.IndexOf(':', StringComparison.Ordinal) is var i and >= 0 ? (tmpfs[..i], tmpfs[(i + 1)..]) : (tmpfs, "");
            List<string> opts = ["nosuid", "nodev", "noexec", "size=65536k"];
            foreach (var o in options.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var key = o.Split('=')[0];
                opts.RemoveAll(x => x.Split('=')[0] == key || (o == "exec" && x == "noexec") || (o == "suid" && x == "nosuid") || (o == "dev" && x == "nodev"));
                opts.Add(o);
            }
            mounts.Add(new MountSpec { Destination = path, Type = "tmpfs", Source = "tmpfs", Options = opts });
        }
        // Volumes first, then what the user binds over them, and the engine's /etc files last, as Docker orders them:
        // a volume or bind at /etc must not hide /etc/hosts.
        mounts.AddRange(volumes ?? []);
        foreach (var bind in record.Binds)
        {
            var parts = bind.Split(':');
            mounts.Add(new MountSpec { Destination = parts[1], Type = "bind", Source = parts[0], Options = ["rbind", "rprivate", parts.Length > 2 && parts[2] == "ro" ? "ro" : "rw"] });
        }

        foreach (var file in EtcFiles)
            mounts.Add(new MountSpec { Destination = "/etc/" + file, Type = "bind", Source = Path.Combine(containerDir, file), Options = ["rbind", "rprivate"] });

        List<NamespaceSpec> namespaces = [new() { Type = "pid" }, new() { Type = "ipc" }, new() { Type = "uts" }, new() { Type = "mount" }, new() { Type = "cgroup" }];
        if (record.Network != "host") namespaces.Add(new NamespaceSpec { Type = "network" });
        if (record.UserNamespace is not null) namespaces.Add(new NamespaceSpec { Type = "user" });

        var resources = new ResourcesSpec { Devices = [new DeviceCgroupSpec { Allow = false, Access = "rwm" }] };
        if (record.Memory is { } memory) resources.Memory = new MemorySpec { Limit = memory };
        if (record.Cpus is { } cpus) resources.Cpu = new CpuSpec { Period = 100_000, Quota = (long)Math.Round(cpus * 100_000) };
        if (record.PidsLimit is { } pids and > 0) resources.Pids = new PidsSpec { Limit = pids };

        return new RuntimeSpec
        {
            OciVersion = RuntimeInfo.OciVersion,
            Process = new ProcessSpec
            {
                Terminal = record.Tty,
                Args = [.. record.Args],
                Env = env,
                Cwd = record.WorkingDir,
                User = new UserSpec { Uid = user.Uid, Gid = user.Gid, AdditionalGids = user.AdditionalGids.Count > 0 ? [.. user.AdditionalGids] : null },
                Capabilities = new CapabilitiesSpec { Bounding = [.. caps], Effective = [.. caps], Permitted = [.. caps] },
                NoNewPrivileges = true,
            },
            Root = new RootSpec { Path = "rootfs", Readonly = record.ReadOnly },
            Hostname = record.Hostname,
            Mounts = mounts,
            Annotations = new Dictionary<string, string>(record.Labels) { ["org.opencontainers.image.ref.name"] = record.Image },
            Linux = new LinuxSpec
            {
                Namespaces = namespaces,
                UidMappings = record.UserNamespace is { } u ? [new IdMappingSpec { ContainerID = 0, HostID = u.HostUid, Size = u.Size }] : null,
                GidMappings = record.UserNamespace is { } g ? [new IdMappingSpec { ContainerID = 0, HostID = g.HostGid, Size = g.Size }] : null,
                Resources = resources,
                Seccomp = record.Seccomp switch
                {
                    SeccompProfiles.Unconfined => null,
                    SeccompProfiles.Custom => record.SeccompProfile ?? throw new EngineException($"container {record.Name}: its record has a custom seccomp profile but no profile"),
                    _ => DefaultSecurity.Seccomp(),
                },
                MaskedPaths = [.. DefaultSecurity.MaskedPaths],
                ReadonlyPaths = [.. DefaultSecurity.ReadonlyPaths],
            },
        };
    }
}
