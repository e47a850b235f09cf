using System.Text.Json.Serialization;

namespace Berth.Engine;

/// <summary>Source-generated JSON for the engine's files (NativeAOT has no reflection-based serializer).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(ContainerRecord))]
[JsonSerializable(typeof(EngineEvent))]
public sealed partial class EngineJsonContext : JsonSerializerContext
{
}
