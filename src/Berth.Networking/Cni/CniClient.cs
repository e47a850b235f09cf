using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Linux;

namespace Berth.Networking.Cni;

/// <summary>
/// Runs CNI 1.0 plugins (such as Debian's containernetworking-plugins in <c>/usr/lib/cni</c>) by the CNI protocol:
/// the command and attachment in CNI_* variables, each plugin's configuration on stdin (the list's <c>name</c> and
/// <c>cniVersion</c>, the previous plugin's result as <c>prevResult</c>, and the capability arguments it declares
/// as <c>runtimeConfig</c>), its result or error object on stdout. Plugins are started with posix_spawn
/// (<see cref="Processes.Spawn"/>) and killed when they outlive <see cref="Timeout"/>. Stateless: the caller keeps
/// the ADD result for DEL and CHECK.
/// </summary>
public sealed class CniClient(string pluginDir)
{
    /// <summary>The folder of the plugin binaries, also handed to them as CNI_PATH (for the IPAM plugin they call).</summary>
    public string PluginDir { get; } = pluginDir;

    /// <summary>How long one plugin may run before it is killed (SIGKILL) and its command fails.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Debian's plugin folder.</summary>
    public const string DefaultPluginDir = "/usr/lib/cni";

    /// <summary>
    /// ADD: runs the list's plugins in order, each getting the previous one's result; returns the last result as
    /// JSON (to keep for <see cref="Delete"/>) and parsed. A failure part-way is not undone here: call
    /// <see cref="Delete"/> with what was known (the spec asks runtimes to DEL after a failed ADD).
    /// </summary>
    /// <exception cref="CniException">A plugin failed, timed out, or could not be run.</exception>
    public (string Json, CniResult Result) Add(JsonObject networkList, CniRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(networkList);
        ArgumentNullException.ThrowIfNull(runtime);
        JsonNode? prev = null;
        foreach (var plugin in Plugins(networkList))
        {
            var output = Invoke("ADD", networkList, plugin, prev, runtime);
            try { prev = JsonNode.Parse(output); }
            catch (JsonException e) { throw new CniException(TypeOf(plugin), "ADD", 6, "its result is not JSON: " + e.Message); }
        }
        var json = prev?.ToJsonString() ?? "{}";
        return (json, ParseResult(json));
    }

    /// <summary>
    /// DEL: runs the list's plugins in reverse order, each with <paramref name="cachedResult"/> (the ADD's result)
    /// as <c>prevResult</c>. Goes on past a failing plugin so that the others still release what they hold, then
    /// throws the first failure. Plugins treat a DEL of what is already gone as success.
    /// </summary>
    /// <exception cref="CniException">A plugin failed (after every plugin ran).</exception>
    public void Delete(JsonObject networkList, CniRuntime runtime, string? cachedResult)
    {
        ArgumentNullException.ThrowIfNull(networkList);
        ArgumentNullException.ThrowIfNull(runtime);
        var prev = cachedResult is null ? null : JsonNode.Parse(cachedResult);
        CniException? first = null;
        foreach (var plugin in Plugins(networkList).Reverse())
        {
            try { Invoke("DEL", networkList, plugin, prev, runtime); }
            catch (CniException e) { first ??= e; }
        }
        if (first is not null) throw first;
    }

    /// <summary>CHECK: runs the list's plugins in order with the ADD's result; throws when one finds the attachment wrong.</summary>
    /// <exception cref="CniException">A plugin found a difference or failed.</exception>
    public void Check(JsonObject networkList, CniRuntime runtime, string cachedResult)
    {
        ArgumentNullException.ThrowIfNull(networkList);
        var prev = JsonNode.Parse(cachedResult);
        foreach (var plugin in Plugins(networkList)) Invoke("CHECK", networkList, plugin, prev, runtime);
    }

    /// <summary>Parses a CNI result.</summary>
    /// <exception cref="CniException">It is not a result.</exception>
    public static CniResult ParseResult(string json)
    {
        try { return JsonSerializer.Deserialize(json, CniJsonContext.Default.CniResult) ?? new CniResult(); }
        catch (JsonException e) { throw new CniException("", "ADD", 6, "the result is not a CNI result: " + e.Message); }
    }

    private static IEnumerable<JsonObject> Plugins(JsonObject list)
        => list["plugins"] is JsonArray plugins && plugins.Count > 0
            ? plugins.OfType<JsonObject>()
            : throw new CniException("", "", 7, $"network configuration list {(string?)list["name"]} has no plugins");

    private static string TypeOf(JsonObject plugin) => (string?)plugin["type"] ?? "";

    /// <summary>
    /// The configuration one plugin reads on stdin: its own object with the list's name and version, the previous
    /// result, and the capability arguments it declared (CNI spec, "Section 3: Execution of Network Configurations").
    /// </summary>
    internal static JsonObject PluginConfig(JsonObject list, JsonObject plugin, JsonNode? prev, CniRuntime runtime)
    {
        var conf = plugin.DeepClone().AsObject();
        conf["name"] = (string?)list["name"];
        conf["cniVersion"] = (string?)list["cniVersion"] ?? "1.0.0";
        conf.Remove("prevResult");
        if (prev is not null) conf["prevResult"] = prev.DeepClone();
        conf.Remove("runtimeConfig");
        if (plugin["capabilities"] is JsonObject caps)
        {
            var rc = new JsonObject();
            foreach (var (key, value) in runtime.Capabilities)
                if (caps[key] is JsonValue v && v.TryGetValue<bool>(out var on) && on) rc[key] = value.DeepClone();
            if (rc.Count > 0) conf["runtimeConfig"] = rc;
        }
        return conf;
    }

    private string Invoke(string command, JsonObject list, JsonObject plugin, JsonNode? prev, CniRuntime runtime)
    {
        var type = TypeOf(plugin);
        if (type.Length == 0 || type.Contains('/', StringComparison.Ordinal) || type is "." or "..")
            throw new CniException(type, command, 7, "the plugin has no valid \"type\"");
        var path = Path.Combine(PluginDir, type);
        if (!File.Exists(path)) throw new CniException(type, command, 0, $"no such plugin: {path} (install containernetworking-plugins)");
        var stdin = Encoding.UTF8.GetBytes(PluginConfig(list, plugin, prev, runtime).ToJsonString());
        List<string> env =
        [
            "CNI_COMMAND=" + command,
            "CNI_CONTAINERID=" + runtime.ContainerId,
            "CNI_NETNS=" + runtime.NetnsPath,
            "CNI_IFNAME=" + runtime.IfName,
            "CNI_ARGS=" + string.Join(';', runtime.Args),
            "CNI_PATH=" + PluginDir,
            // The plugins run iptables, nft and sysctl-like tools by name.
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ];
        var (status, stdout, stderr) = ChildProcess.Run(path, [type], env, stdin, Timeout);
        if (status is null) throw new CniException(type, command, 0, $"did not finish within {Timeout.TotalSeconds:0} s and was killed");
        if (status.Value.Exited && status.Value.ExitCode == 0) return Encoding.UTF8.GetString(stdout);
        var text = Encoding.UTF8.GetString(stdout).Trim();
        CniError? error = null;
        try { if (text.Length > 0) error = JsonSerializer.Deserialize(text, CniJsonContext.Default.CniError); }
        catch (JsonException) { }
        var why = error?.Msg is { Length: > 0 } m ? m
            : Encoding.UTF8.GetString(stderr).Trim() is { Length: > 0 } err ? err
            : text.Length > 0 ? text
            : $"exited with status {status.Value.ShellStatus}";
        throw new CniException(type, command, error?.Code ?? 0, why, error?.Details);
    }
}
