using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.ControlPlane.Live;

/// <summary>
/// A value serialised to JSON once, written as it is wherever it is serialised again (a SignalR message to each
/// client of a stream): a sample is serialised once per tick, not once per client.
/// </summary>
[JsonConverter(typeof(RawJsonConverter))]
public sealed class RawJson
{
    /// <summary>camelCase, enums as camelCase strings: as the REST API and the hub write everything else.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private RawJson(byte[] utf8) => Utf8 = utf8;

    /// <summary>The UTF-8 JSON text.</summary>
    public ReadOnlyMemory<byte> Utf8 { get; }

    /// <summary>Serialises <paramref name="value"/> with <see cref="Options"/>.</summary>
    public static RawJson From<T>(T value) => new(JsonSerializer.SerializeToUtf8Bytes(value, Options));

    /// <summary>Reads a JSON value as it is (for round trips in tests and clients).</summary>
    public static RawJson Parse(ref Utf8JsonReader reader)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        return new RawJson(JsonSerializer.SerializeToUtf8Bytes(doc.RootElement));
    }

    public override string ToString() => System.Text.Encoding.UTF8.GetString(Utf8.Span);
}
