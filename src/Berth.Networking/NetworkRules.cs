using System.Text;

namespace Berth.Networking;

/// <summary>
/// Berth's own nftables table, <c>inet berth</c> (one per data root: <see cref="TableFor"/>), rebuilt whole from the network files in one nft transaction (never
/// half-written; back after a reboot with the next container start). Two chains:
/// <list type="bullet">
/// <item><c>isolation</c>, on the forward hook just before the iptables filter table (priority filter - 10): per
/// network, what comes in on its bridge and would leave on another berth bridge is dropped. A drop in any base chain
/// is final, so it holds whatever order the CNI plugins, Docker or firewalls put their rules in; traffic within a
/// bridge, to the host and out of the node is not touched.</item>
/// <item><c>postrouting</c>, on postrouting (priority srcnat): per network, what leaves its subnet for elsewhere gets
/// the host's address. Done per network here rather than by the bridge plugin's <c>ipMasq</c>, whose per-container
/// rules its DEL removes only while the container's network namespace still exists (it reads the addresses there),
/// which it no longer does once a container has exited.</item>
/// </list>
/// </summary>
public static class NetworkRules
{
    /// <summary>The nftables table (family inet) of the default data root; another data root's is <c>berth_</c> and 8 hex digits of its path's hash (see <see cref="TableFor"/>).</summary>
    public const string DefaultTable = "berth";

    /// <summary>The table of the networks kept under <paramref name="networksRoot"/>: each data root has its own, so that one never rewrites another's.</summary>
    public static string TableFor(string networksRoot)
        => networksRoot == "/var/lib/berth/networks" ? DefaultTable
            : "berth_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(networksRoot)))[..8];

    /// <summary>The prefix every berth bridge name starts with (the isolation rules match other bridges by it).</summary>
    public const string BridgePrefix = "berth";

    /// <summary>Where nft is on Debian.</summary>
    public static string NftPath { get; set; } = "/usr/sbin/nft";

    /// <summary>The nft script that replaces the table with the rules for <paramref name="networks"/> (none: the table is deleted).</summary>
    internal static string Script(string table, IEnumerable<Network> networks)
    {
        var s = new StringBuilder();
        // "add" first, so that the delete never fails on a table that is not there.
        s.Append("add table inet ").Append(table).Append('\n');
        s.Append("delete table inet ").Append(table).Append('\n');
        var list = networks.OrderBy(n => n.Bridge, StringComparer.Ordinal).ToList();
        if (list.Count == 0) return s.ToString();
        s.Append("table inet ").Append(table).Append(" {\n");
        s.Append("  chain isolation {\n    type filter hook forward priority filter - 10; policy accept;\n");
        foreach (var n in list)
            s.Append("    iifname \"").Append(n.Bridge).Append("\" oifname \"").Append(BridgePrefix).Append("*\" oifname != \"").Append(n.Bridge).Append("\" drop\n");
        s.Append("  }\n");
        s.Append("  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n");
        foreach (var n in list)
            s.Append("    ip saddr ").Append(n.Subnet).Append(" ip daddr != ").Append(n.Subnet).Append(" oifname != \"").Append(n.Bridge).Append("\" masquerade\n");
        s.Append("  }\n}\n");
        return s.ToString();
    }

    /// <summary>
    /// Where the hash of the rules last written for a table is kept: on /run, a tmpfs, so that after a reboot (which
    /// empties the kernel's tables) the stamp is gone too and the rules are written again.
    /// </summary>
    public static string StampDir { get; set; } = "/run/berth/nftables";

    /// <summary>
    /// Writes the rules unless the stamp says these very rules were written since boot: a container start then costs
    /// no nft process. (A ruleset flushed by hand is restored by the next network create or rm, or <see cref="Apply"/>.)
    /// </summary>
    /// <exception cref="NetworkException">nft is missing or refused the rules.</exception>
    public static void Ensure(string table, IEnumerable<Network> networks)
    {
        var script = Script(table, networks);
        var stamp = Path.Combine(StampDir, table);
        if (File.Exists(stamp) && File.ReadAllText(stamp) == Hash(script)) return;
        Write(table, script);
    }

    /// <summary>Replaces the table with the rules for <paramref name="networks"/>.</summary>
    /// <exception cref="NetworkException">nft is missing or refused the rules.</exception>
    public static void Apply(string table, IEnumerable<Network> networks) => Write(table, Script(table, networks));

    private static string Hash(string script) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(script)));

    private static void Write(string table, string text)
    {
        if (!File.Exists(NftPath)) throw new NetworkException($"{NftPath} is missing: install nftables (berth's network rules are written with it)");
        var stamp = Path.Combine(StampDir, table);
        if (File.Exists(stamp)) File.Delete(stamp);
        var script = Encoding.UTF8.GetBytes(text);
        var (status, _, stderr) = ChildProcess.Run(NftPath, ["nft", "-f", "-"], ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], script, TimeSpan.FromSeconds(30));
        if (status is not { Exited: true, ExitCode: 0 })
            throw new NetworkException($"nft could not write berth's rules (table inet {table}): {Encoding.UTF8.GetString(stderr).Trim()}");
        // A table deleted for good leaves no stamp behind.
        if (!text.Contains('{', StringComparison.Ordinal)) return;
        Directory.CreateDirectory(StampDir);
        File.WriteAllText(stamp + ".tmp", Hash(text));
        File.Move(stamp + ".tmp", stamp, overwrite: true);
    }
}
