namespace Berth.Networking;

/// <summary>
/// One container's place on a network, kept as <c>DATA/networks/attachments/CONTAINER-ID.json</c> from before the
/// CNI ADD until its DEL: the configuration list that was used and the ADD's result, so that DEL runs with exactly
/// what ADD had even after the engine, the host or the container is gone.
/// </summary>
public sealed class Attachment
{
    public required string ContainerId { get; init; }

    /// <summary>The network's name and id (a network of the same name made later is another one).</summary>
    public required string Network { get; init; }

    public required string NetworkId { get; init; }

    /// <summary>The container's name and hostname, for the other containers' hosts files.</summary>
    public string Name { get; init; } = "";

    public string Hostname { get; init; } = "";

    /// <summary>More names the other containers of the network know it by (Docker's network aliases).</summary>
    public List<string> Aliases { get; init; } = [];

    public string IfName { get; init; } = "eth0";

    /// <summary>The CNI configuration list as run (JSON).</summary>
    public required string ConfList { get; init; }

    /// <summary>The ADD's result (JSON); null while the ADD has not finished (a crash then leaves a DEL to do).</summary>
    public string? Result { get; set; }

    /// <summary>The container's address in CIDR form once added.</summary>
    public string? Address { get; set; }

    /// <summary>Its published ports, canonical (<see cref="PortMapping.ToString"/>).</summary>
    public List<string> Ports { get; init; } = [];

    /// <summary>The container's hosts file (bind-mounted as its /etc/hosts), rewritten in place as the network changes; null for none.</summary>
    public string? HostsFile { get; init; }

    public DateTimeOffset Created { get; init; }

    /// <summary>The address without its prefix length.</summary>
    public string? Ip => Address?.Split('/')[0];
}
