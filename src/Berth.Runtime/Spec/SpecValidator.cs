using Berth.Linux;
using Berth.Runtime.Rootfs;

namespace Berth.Runtime.Spec;

/// <summary>
/// Checks a runtime spec before anything is created, so bad input changes nothing. Every message names the
/// field (<c>linux.namespaces[2].type</c>) and the value.
/// </summary>
public static class SpecValidator
{
    /// <summary>Namespace types Berth knows, and their clone flag.</summary>
    public static readonly IReadOnlyDictionary<string, NamespaceType> NamespaceTypes = new Dictionary<string, NamespaceType>
    {
        ["pid"] = NamespaceType.CLONE_NEWPID,
        ["network"] = NamespaceType.CLONE_NEWNET,
        ["mount"] = NamespaceType.CLONE_NEWNS,
        ["ipc"] = NamespaceType.CLONE_NEWIPC,
        ["uts"] = NamespaceType.CLONE_NEWUTS,
        ["user"] = NamespaceType.CLONE_NEWUSER,
        ["cgroup"] = NamespaceType.CLONE_NEWCGROUP,
        ["time"] = NamespaceType.CLONE_NEWTIME,
    };

    private static readonly HashSet<string> Propagations = ["", "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable"];

    /// <summary>Validates <paramref name="spec"/> for <paramref name="bundle"/> and returns the absolute rootfs path.</summary>
    /// <exception cref="RuntimeException">The first problem found.</exception>
    public static string Validate(RuntimeSpec spec, string bundle, bool requireProcess)
    {
        if (string.IsNullOrEmpty(spec.OciVersion)) Fail("ociVersion: missing");
        if (!spec.OciVersion!.StartsWith("1.", StringComparison.Ordinal))
            Fail($"ociVersion: \"{spec.OciVersion}\" is not supported (Berth implements runtime-spec 1.x)");

        if (spec.Root is null || string.IsNullOrEmpty(spec.Root.Path)) Fail("root.path: missing");
        var rootfs = Path.GetFullPath(Path.Combine(bundle, spec.Root!.Path));
        if (!Directory.Exists(rootfs)) Fail($"root.path: {rootfs} is not a directory");

        if (spec.Process is null)
        {
            if (requireProcess) Fail("process: missing (create needs a process to run)");
        }
        else
        {
            ValidateProcess(spec.Process, "process");
        }

        var linux = spec.Linux ?? new LinuxSpec();
        var nsTypes = ValidateNamespaces(linux);

        if (!string.IsNullOrEmpty(spec.Hostname) && !nsTypes.Contains("uts"))
            Fail("hostname: setting a hostname needs a new uts namespace (linux.namespaces has none)");
        if (!string.IsNullOrEmpty(spec.Domainname) && !nsTypes.Contains("uts"))
            Fail("domainname: setting a domain name needs a new uts namespace (linux.namespaces has none)");

        UserNamespaceValidator.Validate(linux, spec.Process);

        if (!Propagations.Contains(linux.RootfsPropagation ?? ""))
            Fail($"linux.rootfsPropagation: unknown value \"{linux.RootfsPropagation}\"");

        for (var i = 0; i < (spec.Mounts?.Count ?? 0); i++)
        {
            var m = spec.Mounts![i];
            if (string.IsNullOrEmpty(m.Destination)) Fail($"mounts[{i}].destination: missing");
            if (!m.Destination.StartsWith('/')) Fail($"mounts[{i}].destination: \"{m.Destination}\" must be an absolute path");
            var bind = m.Type == "bind" || (m.Options?.Any(o => o is "bind" or "rbind") ?? false);
            if (bind && string.IsNullOrEmpty(m.Source)) Fail($"mounts[{i}].source: a bind mount needs a source");
            if (!bind && string.IsNullOrEmpty(m.Type)) Fail($"mounts[{i}].type: missing for a non-bind mount of {m.Destination}");
            if (MountOptions.Problem(m.Type, m.Options) is { } problem) Fail($"mounts[{i}].{problem}");
        }

        for (var i = 0; i < (linux.Devices?.Count ?? 0); i++)
        {
            var d = linux.Devices![i];
            if (!d.Path.StartsWith('/')) Fail($"linux.devices[{i}].path: \"{d.Path}\" must be absolute");
            if (d.Type is not ("c" or "b" or "u" or "p")) Fail($"linux.devices[{i}].type: \"{d.Type}\" must be c, b, u or p");
        }

        foreach (var (key, _) in linux.Sysctl ?? [])
            ValidateSysctl(key, nsTypes);

        if (linux.Resources?.Memory is { } mem)
        {
            if (mem.Kernel is not null) Fail("linux.resources.memory.kernel: kernel memory limits are not supported by this kernel");
            if (mem.KernelTCP is not null) Fail("linux.resources.memory.kernelTCP: kernel TCP memory limits are not supported by Berth");
        }

        if (linux.Personality is { } p && p.Domain is not ("LINUX" or "LINUX32"))
            Fail($"linux.personality.domain: \"{p.Domain}\" must be LINUX or LINUX32");

        foreach (var (name, list) in HookLists(spec.Hooks))
            for (var i = 0; i < list.Count; i++)
            {
                if (!list[i].Path.StartsWith('/')) Fail($"hooks.{name}[{i}].path: \"{list[i].Path}\" must be absolute");
                if (list[i].Timeout is <= 0) Fail($"hooks.{name}[{i}].timeout: must be positive");
            }

        if (linux.Seccomp is { } sc) Security.Seccomp.Validate(sc);
        return rootfs;
    }

    /// <summary>Validates a process (also used for <c>exec --process</c>).</summary>
    public static void ValidateProcess(ProcessSpec process, string field)
    {
        if (process.Args is null || process.Args.Count == 0 || string.IsNullOrEmpty(process.Args[0]))
            Fail($"{field}.args: must name a program");
        if (string.IsNullOrEmpty(process.Cwd) || !process.Cwd.StartsWith('/'))
            Fail($"{field}.cwd: \"{process.Cwd}\" must be an absolute path");
        foreach (var e in process.Env ?? [])
            if (!e.Contains('=', StringComparison.Ordinal) || e.StartsWith('='))
                Fail($"{field}.env: \"{e}\" is not KEY=value");
        if (process.OomScoreAdj is < -1000 or > 1000)
            Fail($"{field}.oomScoreAdj: {process.OomScoreAdj} is outside -1000..1000");
        Security.Capabilities.Validate(process.Capabilities);
        Security.RlimitApplier.Validate(process.Rlimits);
        Security.LsmLabels.Validate(process, field);
    }

    private static HashSet<string> ValidateNamespaces(LinuxSpec linux)
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < (linux.Namespaces?.Count ?? 0); i++)
        {
            var ns = linux.Namespaces![i];
            if (!NamespaceTypes.ContainsKey(ns.Type)) Fail($"linux.namespaces[{i}].type: unknown namespace type \"{ns.Type}\"");
            if (!seen.Add(ns.Type)) Fail($"linux.namespaces[{i}].type: \"{ns.Type}\" is listed twice");
            if (ns.Type == "time") Fail($"linux.namespaces[{i}]: time namespaces are not supported by berth");
            if (ns.Path is { Length: > 0 } p && !File.Exists(p))
                Fail($"linux.namespaces[{i}].path: {p} does not exist");
            if (ns.Type == "mount" && ns.Path is { Length: > 0 })
                Fail($"linux.namespaces[{i}]: joining an existing mount namespace is not supported (the container needs its own root)");
        }
        if (!seen.Contains("mount")) Fail("linux.namespaces: a mount namespace is required");
        // Only namespaces the container gets for itself count for hostname and sysctl checks.
        return linux.Namespaces!.Where(n => string.IsNullOrEmpty(n.Path)).Select(n => n.Type).ToHashSet();
    }

    private static void ValidateSysctl(string key, HashSet<string> ownNs)
    {
        var k = key.Replace('/', '.');
        if (k is "kernel.msgmax" or "kernel.msgmnb" or "kernel.msgmni" or "kernel.sem" or "kernel.shmall" or "kernel.shmmax"
            or "kernel.shmmni" or "kernel.shm_rmid_forced" || k.StartsWith("fs.mqueue.", StringComparison.Ordinal))
        {
            if (!ownNs.Contains("ipc")) Fail($"linux.sysctl: \"{key}\" needs a new ipc namespace");
            return;
        }
        if (k.StartsWith("net.", StringComparison.Ordinal))
        {
            if (!ownNs.Contains("network")) Fail($"linux.sysctl: \"{key}\" needs a new network namespace");
            return;
        }
        if (k is "kernel.hostname" or "kernel.domainname")
        {
            if (!ownNs.Contains("uts")) Fail($"linux.sysctl: \"{key}\" needs a new uts namespace");
            return;
        }
        Fail($"linux.sysctl: \"{key}\" is not namespaced and cannot be set for a container");
    }

    /// <summary>Every hook list by its config.json name.</summary>
    public static IEnumerable<(string Name, List<HookSpec> List)> HookLists(HooksSpec? h)
    {
        if (h is null) yield break;
        if (h.Prestart is { } a) yield return ("prestart", a);
        if (h.CreateRuntime is { } b) yield return ("createRuntime", b);
        if (h.CreateContainer is { } c) yield return ("createContainer", c);
        if (h.StartContainer is { } d) yield return ("startContainer", d);
        if (h.Poststart is { } e) yield return ("poststart", e);
        if (h.Poststop is { } f) yield return ("poststop", f);
    }

    private static void Fail(string message) => throw new RuntimeException(message);
}
