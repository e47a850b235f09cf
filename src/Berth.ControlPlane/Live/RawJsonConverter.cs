using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.ControlPlane.Live;

/// <summary>Writes a <see cref="RawJson"/>'s bytes without serialising anything again.</summary>
public sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => RawJson.Parse(ref reader);

    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        // Written by our own serializer: valid JSON already, so the copy need not be checked.
        writer.WriteRawValue(value.Utf8.Span, skipInputValidation: true);
    }
}
