using System.Text.Json.Serialization;

namespace Berth.Networking.Cni;

/// <summary>A CNI 1.0 success result (spec, "Success"): the interfaces made, their addresses, routes and DNS.</summary>
public sealed class CniResult
{
    public string CniVersion { get; set; } = "";

    public List<CniInterface> Interfaces { get; set; } = [];

    public List<CniIpConfig> Ips { get; set; } = [];

    public List<CniRoute> Routes { get; set; } = [];

    public CniDns? Dns { get; set; }

    /// <summary>The first IPv4 address (CIDR form, <c>10.213.0.2/24</c>) given to an interface inside the sandbox; null when none.</summary>
    public string? SandboxAddress()
    {
        foreach (var ip in Ips)
        {
            var inSandbox = ip.Interface is { } i && i >= 0 && i < Interfaces.Count && !string.IsNullOrEmpty(Interfaces[i].Sandbox);
            if ((inSandbox || ip.Interface is null) && ip.Address.Contains('.', StringComparison.Ordinal)) return ip.Address;
        }
        return null;
    }
}

public sealed class CniInterface
{
    public string Name { get; set; } = "";

    public string? Mac { get; set; }

    /// <summary>The network namespace path for interfaces in the sandbox; empty for the host's.</summary>
    public string? Sandbox { get; set; }
}

public sealed class CniIpConfig
{
    /// <summary>CIDR, such as <c>10.213.0.2/24</c>.</summary>
    public string Address { get; set; } = "";

    public string? Gateway { get; set; }

    /// <summary>An index into <see cref="CniResult.Interfaces"/>.</summary>
    [JsonPropertyName("interface")]
    public int? Interface { get; set; }
}

public sealed class CniRoute
{
    public string Dst { get; set; } = "";

    public string? Gw { get; set; }
}

public sealed class CniDns
{
    public List<string>? Nameservers { get; set; }

    public string? Domain { get; set; }

    public List<string>? Search { get; set; }

    public List<string>? Options { get; set; }
}

/// <summary>A CNI error object (spec, "Error").</summary>
internal sealed class CniError
{
    public string? CniVersion { get; set; }

    public int Code { get; set; }

    public string? Msg { get; set; }

    public string? Details { get; set; }
}
