using System.Text.Json.Serialization;

namespace Berth.Networking.Cni;

/// <summary>Source-generated JSON for CNI results and errors.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(CniResult))]
[JsonSerializable(typeof(CniError))]
internal sealed partial class CniJsonContext : JsonSerializerContext
{
}
