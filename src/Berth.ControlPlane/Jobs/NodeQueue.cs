using System.Text;

namespace Berth.ControlPlane.Jobs;

/// <summary>The Hangfire queue of a node: each node's server takes only its own container jobs.</summary>
public static class NodeQueue
{
    /// <summary>The queue name for <paramref name="nodeId"/> (Hangfire allows lower-case letters, digits, '_' and '-').</summary>
    public static string For(string nodeId)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        var name = new StringBuilder("node_");
        foreach (var ch in nodeId.ToLowerInvariant()) name.Append(ch is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-' ? ch : '_');
        return name.ToString();
    }
}
