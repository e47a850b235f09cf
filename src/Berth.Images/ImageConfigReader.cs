using System.Text.Json;

namespace Berth.Images;

/// <summary>Reads an image config blob (OCI or Docker), refusing what is malformed with a message naming the field.</summary>
public static class ImageConfigReader
{
    /// <summary>The largest config read.</summary>
    public const int MaxSize = 8 << 20;

    /// <summary>Reads the config.</summary>
    /// <exception cref="ImageException">Malformed: not JSON, a field of the wrong kind, no os or architecture, a bad diff id.</exception>
    public static ImageConfig Read(ReadOnlyMemory<byte> json)
    {
        if (json.Length > MaxSize) throw new ImageException($"image config: {json.Length} bytes, more than the {MaxSize} allowed");
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
            return Read(doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new ImageException($"image config: not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new ImageException($"image config: {e.Message}", e);
        }
    }

    private static ImageConfig Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new ImageException("image config: expected a JSON object");
        var os = String(root, "os", "image config");
        var arch = String(root, "architecture", "image config");
        if (string.IsNullOrEmpty(os) || string.IsNullOrEmpty(arch)) throw new ImageException("image config: os and architecture are required");
        var platform = new Platform(os, arch, String(root, "variant", "image config"));

        var diffIds = new List<Digest>();
        if (Object(root, "rootfs", "image config") is { } rootfs)
        {
            var type = String(rootfs, "type", "rootfs");
            if (type != "layers") throw new ImageException($"image config: rootfs.type is \"{type}\", not \"layers\"");
            var i = 0;
            foreach (var id in Strings(rootfs, "diff_ids", "rootfs"))
            {
                diffIds.Add(Digest.TryParse(id, out var d) ? d : throw new ImageException($"image config: rootfs.diff_ids[{i}] \"{id}\" is not a sha256 digest"));
                i++;
            }
        }

        var config = Object(root, "config", "image config");
        if (config is not { } c) return new ImageConfig { Platform = platform, DiffIds = diffIds };
        return new ImageConfig
        {
            Platform = platform,
            DiffIds = diffIds,
            User = String(c, "User", "config") ?? "",
            Env = Strings(c, "Env", "config"),
            Entrypoint = Strings(c, "Entrypoint", "config"),
            Cmd = Strings(c, "Cmd", "config"),
            WorkingDir = String(c, "WorkingDir", "config") ?? "",
            ExposedPorts = Keys(c, "ExposedPorts", "config"),
            Volumes = Keys(c, "Volumes", "config"),
            Labels = Labels(c),
            StopSignal = String(c, "StopSignal", "config") is { Length: > 0 } s ? s : null,
            Healthcheck = Object(c, "Healthcheck", "config") is { } h ? Healthcheck(h) : null,
        };
    }

    private static HealthcheckConfig Healthcheck(JsonElement h)
    {
        var test = Strings(h, "Test", "config.Healthcheck");
        if (test.Count > 0 && test[0] is not ("NONE" or "CMD" or "CMD-SHELL"))
            throw new ImageException($"image config: config.Healthcheck.Test starts with \"{test[0]}\", not NONE, CMD or CMD-SHELL");
        return new HealthcheckConfig(test, Duration(h, "Interval"), Duration(h, "Timeout"), Duration(h, "StartPeriod"),
            h.TryGetProperty("Retries", out var r) && r.ValueKind == JsonValueKind.Number && r.TryGetInt32(out var n) && n >= 0 ? n
                : h.TryGetProperty("Retries", out _) ? throw new ImageException("image config: config.Healthcheck.Retries must be a whole number, 0 or more") : 0);
    }

    /// <summary>A Go duration as Docker stores it: whole nanoseconds.</summary>
    private static TimeSpan Duration(JsonElement h, string name)
    {
        if (!h.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return TimeSpan.Zero;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var ns) && ns >= 0
            ? TimeSpan.FromTicks(ns / 100)
            : throw new ImageException($"image config: config.Healthcheck.{name} must be a whole number of nanoseconds, 0 or more");
    }

    private static Dictionary<string, string> Labels(JsonElement c)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Object(c, "Labels", "config") is { } l)
        {
            foreach (var p in l.EnumerateObject())
                labels[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw new ImageException($"image config: config.Labels.{p.Name} must be a string");
        }
        return labels;
    }

    private static JsonElement? Object(JsonElement obj, string name, string where)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.Object ? v : throw new ImageException($"image config: {where}.{name} must be an object");
    }

    private static string? String(JsonElement obj, string name, string where)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new ImageException($"image config: {where}.{name} must be a string");
    }

    private static List<string> Strings(JsonElement obj, string name, string where)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return [];
        if (v.ValueKind != JsonValueKind.Array) throw new ImageException($"image config: {where}.{name} must be an array of strings");
        return v.EnumerateArray()
            .Select(s => s.ValueKind == JsonValueKind.String ? s.GetString()! : throw new ImageException($"image config: {where}.{name} must be an array of strings"))
            .ToList();
    }

    /// <summary>The keys of an object used as a set (<c>{"80/tcp": {}}</c>).</summary>
    private static List<string> Keys(JsonElement obj, string name, string where)
        => Object(obj, name, where) is { } o ? o.EnumerateObject().Select(p => p.Name).ToList() : [];
}
