using System.Diagnostics.CodeAnalysis;
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

    /// <summary>The form a published port is given in, with examples, for error messages.</summary>
    public const string Form = "[HOST-IP:]HOST-PORT:CONTAINER-PORT[/tcp|udp], such as 8080:80 or 127.0.0.1:8080:80/tcp";

    /// <summary>Parses one <c>-p</c> value.</summary>
    /// <exception cref="NetworkException">It is malformed; the message shows the form.</exception>
    public static PortMapping Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var mapping, out var error) ? mapping : throw new NetworkException($"-p {text}: {error}; give {Form}");
    }

    /// <summary>Parses one published port; on failure <paramref name="error"/> says what is wrong with it (without the form).</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out PortMapping? mapping, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        mapping = null;
        var spec = text;
        var protocol = "tcp";
        if (spec.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0)
        {
            protocol = spec[(slash + 1)..];
            spec = spec[..slash];
            if (protocol is not ("tcp" or "udp")) return Fail($"unknown protocol \"{protocol}\"", out error);
        }
        var parts = spec.Split(':');
        if (parts.Length == 1) return Fail("a host port is needed (ports are not published on a random one)", out error);
        if (parts.Length > 3) return Fail("too many ':'", out error);
        var hostIp = parts.Length == 3 ? parts[0] : DefaultHostIp;
        if (!Ipv4Subnet.TryParseAddress(hostIp, out _)) return Fail($"\"{hostIp}\" is not an IPv4 address", out error);
        if (!TryPort(parts[^2], out var hostPort)) return Fail($"host port \"{parts[^2]}\" is not a number from 1 to 65535", out error);
        if (!TryPort(parts[^1], out var containerPort)) return Fail($"container port \"{parts[^1]}\" is not a number from 1 to 65535", out error);
        mapping = new PortMapping(hostIp, hostPort, containerPort, protocol);
        error = null;
        return true;
    }

    private static bool TryPort(string s, out int port)
        => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;

    private static bool Fail(string why, out string error)
    {
        error = why;
        return false;
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
