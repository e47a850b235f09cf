using System.Text.Json.Serialization;
using Berth.Networking.Cni;

namespace Berth.Networking;

/// <summary>Source-generated JSON for the network files (NativeAOT has no reflection-based serializer).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    WriteIndented = true)]
[JsonSerializable(typeof(Network))]
[JsonSerializable(typeof(Attachment))]
public sealed partial class NetworkJsonContext : JsonSerializerContext
{
}
