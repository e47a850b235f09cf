using System.Net;

namespace Berth.Images.Registry;

/// <summary>Where a registry named in a reference is reached, and whether it may be reached insecurely.</summary>
internal static class RegistryHosts
{
    /// <summary>The host of Docker Hub's registry API: <c>docker.io</c> is the name, not the server.</summary>
    public const string DockerHubApi = "registry-1.docker.io";

    /// <summary>The <c>host[:port]</c> serving the API of the registry <paramref name="domain"/>.</summary>
    public static string ApiHost(string domain) => domain == ImageReference.DockerHub ? DockerHubApi : domain;

    /// <summary>
    /// Whether <paramref name="hostAndPort"/> may be reached over plain HTTP: it is listed in
    /// <paramref name="insecure"/> (with or without its port), or it is loopback by name or address
    /// (<c>localhost</c>, <c>127.0.0.0/8</c>, <c>::1</c>). The decision is made on the name alone, never on what DNS
    /// answers for it, so a name cannot become insecure by resolving to a loopback address.
    /// </summary>
    public static bool IsInsecure(string hostAndPort, IReadOnlyCollection<string> insecure)
    {
        var host = HostOf(hostAndPort);
        if (insecure.Contains(hostAndPort, StringComparer.OrdinalIgnoreCase) || insecure.Contains(host, StringComparer.OrdinalIgnoreCase)) return true;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>The host of <c>host[:port]</c> (an IPv6 address keeps its brackets).</summary>
    public static string HostOf(string hostAndPort)
    {
        if (hostAndPort.StartsWith('['))
        {
            var close = hostAndPort.IndexOf(']', StringComparison.Ordinal);
            return close < 0 ? hostAndPort : hostAndPort[..(close + 1)];
        }
        var colon = hostAndPort.LastIndexOf(':');
        return colon < 0 ? hostAndPort : hostAndPort[..colon];
    }
}
