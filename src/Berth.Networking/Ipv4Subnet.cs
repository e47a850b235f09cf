using System.Globalization;
using System.Net;

namespace Berth.Networking;

/// <summary>An IPv4 network in CIDR form (<c>10.213.0.0/24</c>), always stored with its host bits cleared.</summary>
public readonly record struct Ipv4Subnet(uint Address, int Prefix)
{
    public uint Mask => Prefix == 0 ? 0 : uint.MaxValue << (32 - Prefix);

    /// <summary>Parses <c>A.B.C.D/N</c>; host bits set in the address are an error (as Docker's <c>--subnet</c>).</summary>
    /// <exception cref="NetworkException">Not an IPv4 CIDR, or its host bits are set.</exception>
    public static Ipv4Subnet Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !TryParseAddress(text[..slash], out var address)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix is < 8 or > 30)
            throw new NetworkException($"invalid subnet \"{text}\": give an IPv4 network as A.B.C.D/N with N from 8 to 30");
        var subnet = new Ipv4Subnet(address, prefix);
        if ((address & ~subnet.Mask) != 0)
            throw new NetworkException($"invalid subnet \"{text}\": it has host bits set (did you mean {new Ipv4Subnet(address & subnet.Mask, prefix)}?)");
        return subnet;
    }

    /// <summary>Parses a dotted IPv4 address into host byte order.</summary>
    public static bool TryParseAddress(string text, out uint address)
    {
        address = 0;
        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || text.Count(c => c == '.') != 3) return false;
        var b = ip.GetAddressBytes();
        address = (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
        return true;
    }

    public static string FormatAddress(uint a) => $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}";

    public bool Contains(uint address) => (address & Mask) == Address;

    /// <summary>Whether the two networks share any address.</summary>
    public bool Overlaps(Ipv4Subnet other)
    {
        var mask = Prefix < other.Prefix ? Mask : other.Mask;
        return (Address & mask) == (other.Address & mask);
    }

    /// <summary>The first host address (the usual gateway).</summary>
    public uint FirstHost => Address + 1;

    /// <summary>The broadcast address.</summary>
    public uint Broadcast => Address | ~Mask;

    public override string ToString() => $"{FormatAddress(Address)}/{Prefix.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The host's IPv4 routes other than the default route (<c>/proc/net/route</c>: interface, destination and mask
    /// in hex, little-endian), as (interface, network).
    /// </summary>
    public static IReadOnlyList<(string Interface, Ipv4Subnet Subnet)> HostRoutes()
    {
        var routes = new List<(string, Ipv4Subnet)>();
        string[] lines;
        try { lines = File.ReadAllLines("/proc/net/route"); }
        catch (IOException) { return routes; }
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (f.Length < 8 || !uint.TryParse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var dst)
                || !uint.TryParse(f[7], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask) || mask == 0) continue;
            dst = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(dst);
            mask = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(mask);
            var prefix = System.Numerics.BitOperations.PopCount(mask);
            routes.Add((f[0], new Ipv4Subnet(dst & mask, prefix)));
        }
        return routes;
    }
}
