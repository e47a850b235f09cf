using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Berth.Networking;

/// <summary>A published port: <c>[HOST-IP:]HOST-PORT:CONTAINER-PORT[/tcp|udp]</c>, host IP 127.0.0.1 unless given.</summary>
public sealed record PortMapping(string HostIp, int HostPort, int ContainerPort, string Protocol)
{
    /// <summary>The host address a port is published on when <c>-p</c> names none: loopback only, never every interface by accident.</summary>
    public const string DefaultHostIp = "127.0.0.1";

    /// <summary>Parses one <c>-p</c> value.</summary>
    /// <exception cref="NetworkException">It is malformed; the message shows the form.</exception>
    public static PortMapping Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        NetworkException Bad(string why) => new($"-p {text}: {why}; give [HOST-IP:]HOST-PORT:CONTAINER-PORT[/tcp|udp], such as 8080:80 or 127.0.0.1:8080:80/tcp");
        var spec = text;
        var protocol = "tcp";
        if (spec.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0)
        {
            protocol = spec[(slash + 1)..];
            spec = spec[..slash];
            if (protocol is not ("tcp" or "udp")) throw Bad($"unknown protocol \"{protocol}\"");
        }
        var parts = spec.Split(':');
        if (parts.Length == 1) throw Bad("a host port is needed (ports are not published on a random one)");
        if (parts.Length > 3) throw Bad("too many ':'");
        var hostIp = parts.Length == 3 ? parts[0] : DefaultHostIp;
        if (!Ipv4Subnet.TryParseAddress(hostIp, out _)) throw Bad($"\"{hostIp}\" is not an IPv4 address");
        int Port(string s, string what) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535
            ? p : throw Bad($"{what} port \"{s}\" is not a number from 1 to 65535");
        var hostPort = Port(parts[^2], "host");
        var containerPort = Port(parts[^1], "container");
        return new PortMapping(hostIp, hostPort, containerPort, protocol);
    }

    /// <summary>The canonical form, <c>127.0.0.1:8080:80/tcp</c>.</summary>
    public override string ToString() => $"{HostIp}:{HostPort.ToString(CultureInfo.InvariantCulture)}:{ContainerPort.ToString(CultureInfo.InvariantCulture)}/{Protocol}";

    /// <summary>Whether the two take the same host port (the same protocol, and the same address or either on 0.0.0.0).</summary>
    public bool Clashes(PortMapping other)
        => other is not null && HostPort == other.HostPort && Protocol == other.Protocol
           && (HostIp == other.HostIp || HostIp == "0.0.0.0" || other.HostIp == "0.0.0.0");

    /// <summary>
    /// Checks that nothing on the host holds the port, by binding it (SO_REUSEADDR, so a connection in TIME_WAIT does
    /// not count) and letting it go at once.
    /// </summary>
    /// <exception cref="NetworkException">It is taken, or the address is not one of the host's.</exception>
    public void EnsureFree()
    {
        using var socket = Protocol == "udp"
            ? new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
            : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(HostIp), HostPort));
            if (Protocol == "tcp") socket.Listen(1);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new NetworkException($"-p {this}: host port {HostIp}:{HostPort}/{Protocol} is already in use", e);
        }
        catch (SocketException e)
        {
            throw new NetworkException($"-p {this}: cannot bind {HostIp}:{HostPort}/{Protocol}: {e.Message}", e);
        }
    }

    /// <summary>The portmap plugin's <c>portMappings</c> entry.</summary>
    internal JsonObject ToCni() => new()
    {
        ["hostPort"] = HostPort,
        ["containerPort"] = ContainerPort,
        ["protocol"] = Protocol,
        ["hostIP"] = HostIp,
    };
}
