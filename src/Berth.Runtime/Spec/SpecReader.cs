using System.Text.Json;
using static Berth.Runtime.Spec.JsonRead;

namespace Berth.Runtime.Spec;

/// <summary>
/// Reads config.json (and <c>exec --process</c> and <c>update -r</c> documents) into the spec model by walking a
/// <see cref="JsonDocument"/>. Unknown fields are ignored, as the runtime spec allows; a field of the wrong
/// type is an error naming its path.
/// </summary>
public static class SpecReader
{
    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 };

    /// <summary>Parses a whole config.json.</summary>
    /// <exception cref="RuntimeException">Malformed JSON (with line and position) or a mistyped field.</exception>
    public static RuntimeSpec ReadSpec(ReadOnlyMemory<byte> json, string what)
    {
        using var doc = Parse(json, what);
        return Spec(doc.RootElement, what);
    }

    /// <summary>Parses a process document (<c>exec --process</c>).</summary>
    public static ProcessSpec ReadProcess(ReadOnlyMemory<byte> json, string what)
    {
        using var doc = Parse(json, what);
        return Process(doc.RootElement, "process");
    }

    /// <summary>Parses a resources document (<c>update -r</c>).</summary>
    public static ResourcesSpec ReadResources(ReadOnlyMemory<byte> json, string what)
    {
        using var doc = Parse(json, what);
        return Resources(doc.RootElement, "resources");
    }

    /// <summary>
    /// Parses a seccomp profile on its own: the <c>linux.seccomp</c> object of a config, as a user hands it to the
    /// engine (<c>--security-opt seccomp=FILE</c>). Stricter than a config: a field this reader does not know is
    /// refused rather than ignored, since a profile that silently loses a rule is looser than its author meant;
    /// <c>comment</c> (Docker's profile files) is accepted and dropped. Validate the result with
    /// <see cref="Security.Seccomp.Validate"/>.
    /// </summary>
    /// <exception cref="RuntimeException">Malformed JSON, a mistyped field, or an unknown or unsupported field, named by its path.</exception>
    public static SeccompSpec ReadSeccompProfile(ReadOnlyMemory<byte> json, string what)
    {
        using var doc = Parse(json, what);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new RuntimeException($"{what}: the profile must be a JSON object");
        CheckProfileFields(root, what);
        return Seccomp(root, what);
    }

    private static readonly string[] ProfileFields = ["defaultAction", "defaultErrnoRet", "architectures", "flags", "syscalls", "comment"];
    private static readonly string[] RuleFields = ["names", "action", "errnoRet", "args", "comment"];
    private static readonly string[] ArgFields = ["index", "value", "valueTwo", "op"];

    private static void CheckProfileFields(JsonElement root, string what)
    {
        static void Check(JsonElement obj, string path, string[] known)
        {
            if (obj.ValueKind != JsonValueKind.Object) return;
            foreach (var p in obj.EnumerateObject())
            {
                if (known.Contains(p.Name, StringComparer.Ordinal)) continue;
                var why = p.Name switch
                {
                    "archMap" => "Docker's archMap is not supported: list the architectures in \"architectures\"",
                    "includes" or "excludes" => $"Docker's {p.Name} (rules by architecture, capability or kernel) is not supported: keep only the rules that apply",
                    "name" => "use \"names\", a list",
                    "listenerPath" or "listenerMetadata" => "a seccomp agent is not available to engine containers",
                    _ => "unknown field",
                };
                throw new RuntimeException($"{path}.{p.Name}: {why}");
            }
        }

        Check(root, what, ProfileFields);
        if (!root.TryGetProperty("syscalls", out var rules) || rules.ValueKind != JsonValueKind.Array) return;
        var i = 0;
        foreach (var rule in rules.EnumerateArray())
        {
            var path = $"{what}.syscalls[{i++}]";
            Check(rule, path, RuleFields);
            if (rule.ValueKind != JsonValueKind.Object || !rule.TryGetProperty("args", out var args) || args.ValueKind != JsonValueKind.Array) continue;
            var a = 0;
            foreach (var arg in args.EnumerateArray()) Check(arg, $"{path}.args[{a++}]", ArgFields);
        }
    }

    internal static JsonDocument Parse(ReadOnlyMemory<byte> json, string what)
    {
        // JsonDocument only checks UTF-8 when a string is read, and then throws InvalidOperationException.
        if (System.Text.Unicode.Utf8.IsValid(json.Span) is false)
            throw new RuntimeException($"{what}: not valid UTF-8 text");
        try { return JsonDocument.Parse(json, Options); }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } l ? $" at line {l + 1}, position {e.BytePositionInLine + 1}" : "";
            var msg = e.Message;
            var cut = msg.IndexOf(" LineNumber", StringComparison.Ordinal);
            if (cut > 0) msg = msg[..cut].TrimEnd(' ', '|', '.');
            throw new RuntimeException($"{what}: invalid JSON{where}: {msg}", e);
        }
    }

    private static RuntimeSpec Spec(JsonElement root, string what)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new RuntimeException($"{what}: the document must be a JSON object");
        var s = new RuntimeSpec();
        foreach (var (name, v, p) in Props(root, ""))
        {
            switch (name)
            {
                case "ociVersion": s.OciVersion = StringOrNull(v, p); break;
                case "process": s.Process = IsAbsent(v) ? null : Process(v, p); break;
                case "root": s.Root = IsAbsent(v) ? null : Root(v, p); break;
                case "hostname": s.Hostname = StringOrNull(v, p); break;
                case "domainname": s.Domainname = StringOrNull(v, p); break;
                case "mounts": s.Mounts = ListOrNull(v, p, Mount); break;
                case "hooks": s.Hooks = IsAbsent(v) ? null : Hooks(v, p); break;
                case "annotations": s.Annotations = StringMap(v, p); break;
                case "linux": s.Linux = IsAbsent(v) ? null : Linux(v, p); break;
            }
        }
        return s;
    }

    private static ProcessSpec Process(JsonElement e, string path)
    {
        var s = new ProcessSpec();
        foreach (var (name, v, p) in Props(e, path))
        {
            if (IsAbsent(v)) continue;
            switch (name)
            {
                case "terminal": s.Terminal = Bool(v, p); break;
                case "consoleSize":
                    s.ConsoleSize = new ConsoleSize();
                    foreach (var (n2, v2, p2) in Props(v, p))
                        if (n2 == "height") s.ConsoleSize.Height = UInt16(v2, p2);
                        else if (n2 == "width") s.ConsoleSize.Width = UInt16(v2, p2);
                    break;
                case "user": s.User = User(v, p); break;
                case "args": s.Args = Strings(v, p); break;
                case "env": s.Env = Strings(v, p); break;
                case "cwd": s.Cwd = String(v, p); break;
                case "capabilities":
                    var c = new CapabilitiesSpec();
                    foreach (var (n2, v2, p2) in Props(v, p))
                    {
                        switch (n2)
                        {
                            case "bounding": c.Bounding = Strings(v2, p2); break;
                            case "effective": c.Effective = Strings(v2, p2); break;
                            case "inheritable": c.Inheritable = Strings(v2, p2); break;
                            case "permitted": c.Permitted = Strings(v2, p2); break;
                            case "ambient": c.Ambient = Strings(v2, p2); break;
                        }
                    }
                    s.Capabilities = c;
                    break;
                case "rlimits":
                    s.Rlimits = List(v, p, (x, px) =>
                    {
                        var r = new RlimitSpec();
                        foreach (var (n2, v2, p2) in Props(x, px))
                        {
                            switch (n2)
                            {
                                case "type": r.Type = String(v2, p2); break;
                                case "hard": r.Hard = UInt64(v2, p2); break;
                                case "soft": r.Soft = UInt64(v2, p2); break;
                            }
                        }
                        return r;
                    });
                    break;
                case "noNewPrivileges": s.NoNewPrivileges = Bool(v, p); break;
                case "apparmorProfile": s.ApparmorProfile = String(v, p); break;
                case "oomScoreAdj": s.OomScoreAdj = Int32(v, p); break;
                case "selinuxLabel": s.SelinuxLabel = String(v, p); break;
            }
        }
        return s;
    }

    private static UserSpec User(JsonElement e, string path)
    {
        var u = new UserSpec();
        foreach (var (name, v, p) in Props(e, path))
        {
            if (IsAbsent(v)) continue;
            switch (name)
            {
                case "uid": u.Uid = UInt32(v, p); break;
                case "gid": u.Gid = UInt32(v, p); break;
                case "umask": u.Umask = UInt32(v, p); break;
                case "additionalGids": u.AdditionalGids = List(v, p, UInt32); break;
                case "username":
                    throw new RuntimeException($"{p}: user names are not resolved by the runtime; give uid and gid");
            }
        }
        return u;
    }

    private static RootSpec Root(JsonElement e, string path)
    {
        var r = new RootSpec();
        foreach (var (name, v, p) in Props(e, path))
        {
            if (name == "path") r.Path = String(v, p);
            else if (name == "readonly" && !IsAbsent(v)) r.Readonly = Bool(v, p);
        }
        return r;
    }

    private static MountSpec Mount(JsonElement e, string path)
    {
        var m = new MountSpec();
        foreach (var (name, v, p) in Props(e, path))
        {
            switch (name)
            {
                case "destination": m.Destination = String(v, p); break;
                case "type": m.Type = StringOrNull(v, p); break;
                case "source": m.Source = StringOrNull(v, p); break;
                case "options": m.Options = Strings(v, p); break;
                case "uidMappings" or "gidMappings" when !IsAbsent(v):
                    throw new RuntimeException($"{p}: id-mapped mounts are not supported by this version of berth");
            }
        }
        return m;
    }

    private static HooksSpec Hooks(JsonElement e, string path)
    {
        var h = new HooksSpec();
        foreach (var (name, v, p) in Props(e, path))
        {
            var list = ListOrNull(v, p, Hook);
            switch (name)
            {
                case "prestart": h.Prestart = list; break;
                case "createRuntime": h.CreateRuntime = list; break;
                case "createContainer": h.CreateContainer = list; break;
                case "startContainer": h.StartContainer = list; break;
                case "poststart": h.Poststart = list; break;
                case "poststop": h.Poststop = list; break;
            }
        }
        return h;
    }

    private static HookSpec Hook(JsonElement e, string path)
    {
        var h = new HookSpec();
        foreach (var (name, v, p) in Props(e, path))
        {
            switch (name)
            {
                case "path": h.Path = String(v, p); break;
                case "args": h.Args = Strings(v, p); break;
                case "env": h.Env = Strings(v, p); break;
                case "timeout": h.Timeout = IsAbsent(v) ? null : Int32(v, p); break;
            }
        }
        return h;
    }

    private static LinuxSpec Linux(JsonElement e, string path)
    {
        var l = new LinuxSpec();
        foreach (var (name, v, p) in Props(e, path))
        {
            if (IsAbsent(v)) continue;
            switch (name)
            {
                case "namespaces":
                    l.Namespaces = List(v, p, (x, px) =>
                    {
                        var n = new NamespaceSpec();
                        foreach (var (n2, v2, p2) in Props(x, px))
                            if (n2 == "type") n.Type = String(v2, p2);
                            else if (n2 == "path") n.Path = StringOrNull(v2, p2);
                        return n;
                    });
                    break;
                case "uidMappings": l.UidMappings = List(v, p, IdMapping); break;
                case "gidMappings": l.GidMappings = List(v, p, IdMapping); break;
                case "devices": l.Devices = List(v, p, Device); break;
                case "cgroupsPath": l.CgroupsPath = String(v, p); break;
                case "resources": l.Resources = Resources(v, p); break;
                case "sysctl": l.Sysctl = StringMap(v, p); break;
                case "seccomp": l.Seccomp = Seccomp(v, p); break;
                case "rootfsPropagation": l.RootfsPropagation = String(v, p); break;
                case "maskedPaths": l.MaskedPaths = Strings(v, p); break;
                case "readonlyPaths": l.ReadonlyPaths = Strings(v, p); break;
                case "mountLabel": l.MountLabel = String(v, p); break;
                case "personality":
                    var per = new PersonalitySpec();
                    foreach (var (n2, v2, p2) in Props(v, p))
                        if (n2 == "domain") per.Domain = String(v2, p2);
                        else if (n2 == "flags") per.Flags = Strings(v2, p2);
                    l.Personality = per;
                    break;
            }
        }
        return l;
    }

    private static IdMappingSpec IdMapping(JsonElement e, string path)
    {
        var m = new IdMappingSpec();
        foreach (var (name, v, p) in Props(e, path))
        {
            switch (name)
            {
                case "containerID": m.ContainerID = UInt32(v, p); break;
                case "hostID": m.HostID = UInt32(v, p); break;
                case "size": m.Size = UInt32(v, p); break;
            }
        }
        return m;
    }

    private static DeviceSpec Device(JsonElement e, string path)
    {
        var d = new DeviceSpec();
        foreach (var (name, v, p) in Props(e, path))
        {
            if (IsAbsent(v)) continue;
            switch (name)
            {
                case "path": d.Path = String(v, p); break;
                case "type": d.Type = String(v, p); break;
                case "major": d.Major = Int64(v, p); break;
                case "minor": d.Minor = Int64(v, p); break;
                case "fileMode": d.FileMode = UInt32(v, p); break;
                case "uid": d.Uid = UInt32(v, p); break;
                case "gid": d.Gid = UInt32(v, p); break;
            }
        }
        return d;
    }

    private static ResourcesSpec Resources(JsonElement e, string path)
    {
        var r = new ResourcesSpec();
        foreach (var (name, v, p) in Props(e, path))
        {
            if (IsAbsent(v)) continue;
            switch (name)
            {
                case "devices":
                    r.Devices = List(v, p, (x, px) =>
                    {
                        var d = new DeviceCgroupSpec();
                        foreach (var (n2, v2, p2) in Props(x, px))
                        {
                            if (IsAbsent(v2)) continue;
                            switch (n2)
                            {
                                case "allow": d.Allow = Bool(v2, p2); break;
                                case "type": d.Type = String(v2, p2); break;
                                case "major": d.Major = Int64(v2, p2); break;
                                case "minor": d.Minor = Int64(v2, p2); break;
                                case "access": d.Access = String(v2, p2); break;
                            }
                        }
                        return d;
                    });
                    break;
                case "memory":
                    var m = new MemorySpec();
                    foreach (var (n2, v2, p2) in Props(v, p))
                    {
                        if (IsAbsent(v2)) continue;
                        switch (n2)
                        {
                            case "limit": m.Limit = Int64(v2, p2); break;
                            case "reservation": m.Reservation = Int64(v2, p2); break;
                            case "swap": m.Swap = Int64(v2, p2); break;
                            case "kernel": m.Kernel = Int64(v2, p2); break;
                            case "kernelTCP": m.KernelTCP = Int64(v2, p2); break;
                            case "swappiness": m.Swappiness = UInt64(v2, p2); break;
                            case "disableOOMKiller": m.DisableOOMKiller = Bool(v2, p2); break;
                            case "useHierarchy": m.UseHierarchy = Bool(v2, p2); break;
                        }
                    }
                    r.Memory = m;
                    break;
                case "cpu":
                    var c = new CpuSpec();
                    foreach (var (n2, v2, p2) in Props(v, p))
                    {
                        if (IsAbsent(v2)) continue;
                        switch (n2)
                        {
                            case "shares": c.Shares = UInt64(v2, p2); break;
                            case "quota": c.Quota = Int64(v2, p2); break;
                            case "period": c.Period = UInt64(v2, p2); break;
                            case "realtimeRuntime": c.RealtimeRuntime = Int64(v2, p2); break;
                            case "realtimePeriod": c.RealtimePeriod = UInt64(v2, p2); break;
                            case "cpus": c.Cpus = String(v2, p2); break;
                            case "mems": c.Mems = String(v2, p2); break;
                            case "idle": c.Idle = Int64(v2, p2); break;
                        }
                    }
                    r.Cpu = c;
                    break;
                case "pids":
                    var pids = new PidsSpec();
                    foreach (var (n2, v2, p2) in Props(v, p))
                        if (n2 == "limit") pids.Limit = Int64(v2, p2);
                    r.Pids = pids;
                    break;
                case "blockIO":
                    var b = new BlockIoSpec();
                    foreach (var (n2, v2, p2) in Props(v, p))
                    {
                        if (IsAbsent(v2)) continue;
                        switch (n2)
                        {
                            case "weight": b.Weight = UInt16(v2, p2); break;
                            case "leafWeight": b.LeafWeight = UInt16(v2, p2); break;
                            case "weightDevice":
                                b.WeightDevice = List(v2, p2, (x, px) =>
                                {
                                    var w = new WeightDeviceSpec();
                                    foreach (var (n3, v3, p3) in Props(x, px))
                                    {
                                        if (IsAbsent(v3)) continue;
                                        switch (n3)
                                        {
                                            case "major": w.Major = Int64(v3, p3); break;
                                            case "minor": w.Minor = Int64(v3, p3); break;
                                            case "weight": w.Weight = UInt16(v3, p3); break;
                                            case "leafWeight": w.LeafWeight = UInt16(v3, p3); break;
                                        }
                                    }
                                    return w;
                                });
                                break;
                            case "throttleReadBpsDevice": b.ThrottleReadBpsDevice = List(v2, p2, Throttle); break;
                            case "throttleWriteBpsDevice": b.ThrottleWriteBpsDevice = List(v2, p2, Throttle); break;
                            case "throttleReadIOPSDevice": b.ThrottleReadIOPSDevice = List(v2, p2, Throttle); break;
                            case "throttleWriteIOPSDevice": b.ThrottleWriteIOPSDevice = List(v2, p2, Throttle); break;
                        }
                    }
                    r.BlockIO = b;
                    break;
                case "hugepageLimits":
                    r.HugepageLimits = List(v, p, (x, px) =>
                    {
                        var h = new HugepageLimitSpec();
                        foreach (var (n2, v2, p2) in Props(x, px))
                            if (n2 == "pageSize") h.PageSize = String(v2, p2);
                            else if (n2 == "limit") h.Limit = UInt64(v2, p2);
                        return h;
                    });
                    break;
                case "unified": r.Unified = StringMap(v, p); break;
                case "network" or "rdma":
                    throw new RuntimeException($"{p}: {name} limits are not supported by berth");
            }
        }
        return r;
    }

    private static ThrottleDeviceSpec Throttle(JsonElement e, string path)
    {
        var t = new ThrottleDeviceSpec();
        foreach (var (name, v, p) in Props(e, path))
        {
            switch (name)
            {
                case "major": t.Major = Int64(v, p); break;
                case "minor": t.Minor = Int64(v, p); break;
                case "rate": t.Rate = UInt64(v, p); break;
            }
        }
        return t;
    }

    private static SeccompSpec Seccomp(JsonElement e, string path)
    {
        var s = new SeccompSpec();
        foreach (var (name, v, p) in Props(e, path))
        {
            if (IsAbsent(v)) continue;
            switch (name)
            {
                case "defaultAction": s.DefaultAction = String(v, p); break;
                case "defaultErrnoRet": s.DefaultErrnoRet = UInt32(v, p); break;
                case "architectures": s.Architectures = Strings(v, p); break;
                case "flags": s.Flags = Strings(v, p); break;
                case "listenerPath": s.ListenerPath = String(v, p); break;
                case "listenerMetadata": s.ListenerMetadata = String(v, p); break;
                case "syscalls":
                    s.Syscalls = List(v, p, (x, px) =>
                    {
                        var sc = new SeccompSyscallSpec();
                        foreach (var (n2, v2, p2) in Props(x, px))
                        {
                            if (IsAbsent(v2)) continue;
                            switch (n2)
                            {
                                case "names": sc.Names = Strings(v2, p2)!; break;
                                case "action": sc.Action = String(v2, p2); break;
                                case "errnoRet": sc.ErrnoRet = UInt32(v2, p2); break;
                                case "args":
                                    sc.Args = List(v2, p2, (y, py) =>
                                    {
                                        var a = new SeccompArgSpec();
                                        foreach (var (n3, v3, p3) in Props(y, py))
                                        {
                                            if (IsAbsent(v3)) continue;
                                            switch (n3)
                                            {
                                                case "index": a.Index = UInt32(v3, p3); break;
                                                case "value": a.Value = UInt64(v3, p3); break;
                                                case "valueTwo": a.ValueTwo = UInt64(v3, p3); break;
                                                case "op": a.Op = String(v3, p3); break;
                                            }
                                        }
                                        return a;
                                    });
                                    break;
                            }
                        }
                        return sc;
                    });
                    break;
            }
        }
        return s;
    }
}
