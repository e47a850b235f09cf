using System.Text.Json;

namespace Berth.Runtime.Spec;

/// <summary>
/// Typed reads from a <see cref="JsonElement"/> that name the field on error (<c>process.args[2]: expected a
/// string, got a number</c>). Used by the hand-written readers: a <see cref="JsonDocument"/> walk costs a few
/// microseconds, where the serializer's first use costs milliseconds of metadata set-up in every new process.
/// </summary>
internal static class JsonRead
{
    public static bool IsAbsent(JsonElement e) => e.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null;

    public static IEnumerable<(string Name, JsonElement Value, string Path)> Props(JsonElement obj, string path)
    {
        if (obj.ValueKind != JsonValueKind.Object) throw Bad(path, "an object", obj);
        foreach (var p in obj.EnumerateObject())
            yield return (p.Name, p.Value, path.Length == 0 ? p.Name : $"{path}.{p.Name}");
    }

    public static string String(JsonElement e, string path)
        => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Bad(path, "a string", e);

    public static string? StringOrNull(JsonElement e, string path) => IsAbsent(e) ? null : String(e, path);

    public static bool Bool(JsonElement e, string path)
        => e.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => throw Bad(path, "true or false", e) };

    public static long Int64(JsonElement e, string path)
        => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var v) ? v : throw Bad(path, "an integer", e);

    public static ulong UInt64(JsonElement e, string path)
        => e.ValueKind == JsonValueKind.Number && e.TryGetUInt64(out var v) ? v : throw Bad(path, "a non-negative integer", e);

    public static uint UInt32(JsonElement e, string path)
        => e.ValueKind == JsonValueKind.Number && e.TryGetUInt32(out var v) ? v : throw Bad(path, "a non-negative 32-bit integer", e);

    public static int Int32(JsonElement e, string path)
        => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var v) ? v : throw Bad(path, "a 32-bit integer", e);

    public static ushort UInt16(JsonElement e, string path)
        => e.ValueKind == JsonValueKind.Number && e.TryGetUInt16(out var v) ? v : throw Bad(path, "an integer from 0 to 65535", e);

    public static List<T> List<T>(JsonElement e, string path, Func<JsonElement, string, T> item)
    {
        if (e.ValueKind != JsonValueKind.Array) throw Bad(path, "an array", e);
        var list = new List<T>(e.GetArrayLength());
        var i = 0;
        foreach (var x in e.EnumerateArray()) list.Add(item(x, $"{path}[{i++}]"));
        return list;
    }

    public static List<T>? ListOrNull<T>(JsonElement e, string path, Func<JsonElement, string, T> item)
        => IsAbsent(e) ? null : List(e, path, item);

    public static List<string>? Strings(JsonElement e, string path) => ListOrNull(e, path, String);

    public static Dictionary<string, string>? StringMap(JsonElement e, string path)
    {
        if (IsAbsent(e)) return null;
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, v, p) in Props(e, path)) d[name] = String(v, p);
        return d;
    }

    public static RuntimeException Bad(string path, string expected, JsonElement got)
        => new($"{path}: expected {expected}, got {Describe(got)}");

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Truncate(e.GetString()!)}\"",
        JsonValueKind.Number => $"the number {e.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
