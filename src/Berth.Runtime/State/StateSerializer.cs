using System.Globalization;
using System.Text.Json;
using Berth.Runtime.Spec;
using static Berth.Runtime.Spec.JsonRead;

namespace Berth.Runtime.State;

/// <summary>
/// state.json by hand (Utf8JsonWriter and a JsonDocument walk): every runtime process reads or writes it on the
/// start-up path, where the serializer's first-use cost would be most of the work.
/// </summary>
public static class StateSerializer
{
    /// <summary>Serializes <paramref name="s"/>.</summary>
    public static byte[] Write(ContainerState s)
    {
        using var ms = new MemoryStream(512);
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("id", s.Id);
            w.WriteString("bundle", s.Bundle);
            w.WriteString("rootfs", s.Rootfs);
            w.WriteString("created", s.Created);
            w.WriteString("owner", s.Owner);
            w.WriteNumber("pid", s.Pid);
            w.WriteNumber("pidStartTime", s.PidStartTime);
            w.WriteNumber("monitorPid", s.MonitorPid);
            w.WriteNumber("monitorStartTime", s.MonitorStartTime);
            if (s.ReaperPid > 0)
            {
                w.WriteNumber("reaperPid", s.ReaperPid);
                w.WriteNumber("reaperStartTime", s.ReaperStartTime);
            }
            w.WriteString("cgroupPath", s.CgroupPath);
            if (s.CgroupParent is { } cp) w.WriteString("cgroupParent", cp);
            if (s.CreatorCgroup is { } cc) w.WriteString("creatorCgroup", cc);
            if (s.CgroupLayout is { } layout)
            {
                w.WriteStartArray("cgroupLayout");
                foreach (var h in layout)
                {
                    w.WriteStartObject();
                    if (h.IsUnified) w.WriteBoolean("unified", true);
                    w.WriteString("mountPoint", h.MountPoint);
                    w.WriteString("root", h.Root);
                    w.WriteStartArray("controllers");
                    foreach (var c in h.Controllers) w.WriteStringValue(c);
                    w.WriteEndArray();
                    if (h.Name is { } n) w.WriteString("name", n);
                    w.WriteString("ownPath", h.OwnPath);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            if (s.ConsoleSocket is { } cs) w.WriteString("consoleSocket", cs);
            w.WriteBoolean("noPivot", s.NoPivot);
            w.WriteBoolean("noNewKeyring", s.NoNewKeyring);
            if (s.Exit is { } e)
            {
                w.WriteStartObject("exit");
                w.WriteNumber("exitCode", e.ExitCode);
                if (e.Signal is { } sig) w.WriteString("signal", sig);
                w.WriteBoolean("oomKilled", e.OomKilled);
                w.WriteString("finished", e.Finished);
                w.WriteEndObject();
            }
            if (s.Error is { } err) w.WriteString("error", err);
            if (s.Annotations is { } a)
            {
                w.WriteStartObject("annotations");
                foreach (var (k, v) in a) w.WriteString(k, v);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    /// <summary>Parses state.json.</summary>
    /// <exception cref="RuntimeException">The file is not a valid state document.</exception>
    public static ContainerState Read(ReadOnlyMemory<byte> json, string what)
    {
        using var doc = SpecReader.Parse(json, what);
        var s = new ContainerState();
        foreach (var (name, v, p) in Props(doc.RootElement, ""))
        {
            if (IsAbsent(v)) continue;
            switch (name)
            {
                case "id": s.Id = String(v, p); break;
                case "bundle": s.Bundle = String(v, p); break;
                case "rootfs": s.Rootfs = String(v, p); break;
                case "created": s.Created = Time(v, p); break;
                case "owner": s.Owner = String(v, p); break;
                case "pid": s.Pid = Int32(v, p); break;
                case "pidStartTime": s.PidStartTime = UInt64(v, p); break;
                case "monitorPid": s.MonitorPid = Int32(v, p); break;
                case "monitorStartTime": s.MonitorStartTime = UInt64(v, p); break;
                case "reaperPid": s.ReaperPid = Int32(v, p); break;
                case "reaperStartTime": s.ReaperStartTime = UInt64(v, p); break;
                case "cgroupPath": s.CgroupPath = String(v, p); break;
                case "cgroupParent": s.CgroupParent = String(v, p); break;
                case "creatorCgroup": s.CreatorCgroup = String(v, p); break;
                case "cgroupLayout": s.CgroupLayout = List(v, p, Hierarchy); break;
                case "consoleSocket": s.ConsoleSocket = String(v, p); break;
                case "noPivot": s.NoPivot = Bool(v, p); break;
                case "noNewKeyring": s.NoNewKeyring = Bool(v, p); break;
                case "error": s.Error = String(v, p); break;
                case "annotations": s.Annotations = StringMap(v, p); break;
                case "exit":
                    var e = new ExitInfo();
                    foreach (var (n2, v2, p2) in Props(v, p))
                    {
                        if (IsAbsent(v2)) continue;
                        switch (n2)
                        {
                            case "exitCode": e.ExitCode = Int32(v2, p2); break;
                            case "signal": e.Signal = String(v2, p2); break;
                            case "oomKilled": e.OomKilled = Bool(v2, p2); break;
                            case "finished": e.Finished = Time(v2, p2); break;
                        }
                    }
                    s.Exit = e;
                    break;
            }
        }
        return s;
    }

    private static Berth.Cgroups.CgroupHierarchy Hierarchy(JsonElement e, string path)
    {
        bool unified = false;
        string? mountPoint = null, root = null, name = null, own = null;
        List<string>? controllers = null;
        foreach (var (n, v, p) in Props(e, path))
        {
            if (IsAbsent(v)) continue;
            switch (n)
            {
                case "unified": unified = Bool(v, p); break;
                case "mountPoint": mountPoint = String(v, p); break;
                case "root": root = String(v, p); break;
                case "controllers": controllers = Strings(v, p); break;
                case "name": name = String(v, p); break;
                case "ownPath": own = String(v, p); break;
            }
        }
        if (mountPoint is null || root is null || own is null)
            throw new RuntimeException($"{path}: a cgroup hierarchy needs mountPoint, root and ownPath");
        return new Berth.Cgroups.CgroupHierarchy(unified, mountPoint, root, controllers ?? [], name, own);
    }

    /// <summary>The OCI state document as <c>state</c> prints it and hooks receive it.</summary>
    public static string WriteOci(OciState s, bool indented)
    {
        using var ms = new MemoryStream(512);
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = indented }))
        {
            WriteOci(w, s);
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Writes one OCI state object.</summary>
    public static void WriteOci(Utf8JsonWriter w, OciState s)
    {
        w.WriteStartObject();
        w.WriteString("ociVersion", s.OciVersion);
        w.WriteString("id", s.Id);
        w.WriteNumber("pid", s.Pid);
        w.WriteString("status", s.Status);
        w.WriteString("bundle", s.Bundle);
        w.WriteString("rootfs", s.Rootfs);
        w.WriteString("created", s.Created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
        w.WriteString("owner", s.Owner);
        if (s.Annotations is { Count: > 0 } a)
        {
            w.WriteStartObject("annotations");
            foreach (var (k, v) in a) w.WriteString(k, v);
            w.WriteEndObject();
        }
        if (s.ExitCode is { } code) w.WriteNumber("exitCode", code);
        if (s.ExitSignal is { } sig) w.WriteString("exitSignal", sig);
        if (s.OomKilled is { } oom) w.WriteBoolean("oomKilled", oom);
        if (s.Finished is { } f) w.WriteString("finished", f.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
        w.WriteEndObject();
    }

    private static DateTimeOffset Time(JsonElement e, string path)
        => e.ValueKind == JsonValueKind.String && e.TryGetDateTimeOffset(out var t) ? t : throw Bad(path, "an RFC 3339 time", e);
}
