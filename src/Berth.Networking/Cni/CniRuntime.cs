using System.Text.Json.Nodes;

namespace Berth.Networking.Cni;

/// <summary>What the runtime tells each plugin of one attachment (CNI spec, "Parameters" and "Deriving runtimeConfig").</summary>
public sealed class CniRuntime
{
    /// <summary>CNI_CONTAINERID: unique per attachment; letters, digits, <c>_ . -</c>.</summary>
    public required string ContainerId { get; init; }

    /// <summary>CNI_NETNS: the network namespace (<c>/proc/PID/ns/net</c> or a bind-mounted file); empty on a DEL whose namespace is gone.</summary>
    public string NetnsPath { get; init; } = "";

    /// <summary>CNI_IFNAME: the interface to make inside the namespace.</summary>
    public string IfName { get; init; } = "eth0";

    /// <summary>CNI_ARGS as <c>KEY=VALUE</c> pairs.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>
    /// Capability arguments (such as <c>portMappings</c>): each plugin whose <c>capabilities</c> holds the key as
    /// true gets it in its <c>runtimeConfig</c>.
    /// </summary>
    public IReadOnlyDictionary<string, JsonNode> Capabilities { get; init; } = new Dictionary<string, JsonNode>();
}
