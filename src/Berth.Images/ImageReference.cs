namespace Berth.Images;

/// <summary>
/// A reference to an image, <c>[DOMAIN/]PATH[:TAG][@DIGEST]</c>, normalised as Docker does it: no domain means
/// Docker Hub (<c>docker.io</c>), where a one-component path is an official image under <c>library/</c>, and no tag
/// and no digest means <c>latest</c>. So <c>busybox</c> is <c>docker.io/library/busybox:latest</c>.
/// </summary>
/// <remarks>
/// The first component is a domain when it holds a <c>.</c> or a <c>:</c> (a port) or is <c>localhost</c>; path
/// components are lowercase letters and digits joined by <c>.</c>, <c>_</c>, <c>__</c> or dashes; a tag is at most
/// 128 word characters, dots and dashes, not starting with a dot or a dash; the whole name is at most 255
/// characters.
/// </remarks>
public sealed record ImageReference
{
    /// <summary>Docker Hub's domain, as references are normalised to it.</summary>
    public const string DockerHub = "docker.io";

    private const int MaxNameLength = 255;
    private const int MaxTagLength = 128;

    private ImageReference(string domain, string path, string? tag, Digest? digest)
    {
        Domain = domain;
        Path = path;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The registry, such as <c>docker.io</c> or <c>127.0.0.1:5000</c>.</summary>
    public string Domain { get; }

    /// <summary>The repository within the registry, such as <c>library/busybox</c>.</summary>
    public string Path { get; }

    /// <summary>The tag; <c>latest</c> when the reference gave neither a tag nor a digest, null when it gave only a digest.</summary>
    public string? Tag { get; }

    /// <summary>The digest the reference pins, if any.</summary>
    public Digest? Digest { get; }

    /// <summary>The repository with its domain, <c>docker.io/library/busybox</c>.</summary>
    public string Name => $"{Domain}/{Path}";

    /// <summary>
    /// The short form Docker shows: without <c>docker.io/</c> and <c>library/</c>, such as <c>busybox:latest</c>.
    /// </summary>
    public string Familiar
    {
        get
        {
            var name = Domain != DockerHub ? Name : Path.StartsWith("library/", StringComparison.Ordinal) && Path.IndexOf('/', 8) < 0 ? Path[8..] : Path;
            return name + (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d : "");
        }
    }

    /// <summary>Parses and normalises <paramref name="text"/>.</summary>
    /// <exception cref="ImageException">It is not a valid reference; the message says which part is wrong.</exception>
    public static ImageReference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0) throw Bad(text, "it is empty");
        var rest = text;
        Digest? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            if (!Images.Digest.TryParse(rest[(at + 1)..], out var d)) throw Bad(text, $"\"{rest[(at + 1)..]}\" is not a sha256 digest");
            digest = d;
            rest = rest[..at];
        }

        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!IsTag(tag)) throw Bad(text, $"tag \"{tag}\" is invalid (at most {MaxTagLength} letters, digits, '_', '.' or '-', not starting with '.' or '-')");
        }

        string domain, path;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? rest : rest[..slash];
        if (slash >= 0 && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"))
        {
            domain = first;
            path = rest[(slash + 1)..];
            if (!IsDomain(domain)) throw Bad(text, $"registry \"{domain}\" is not a host name or address with an optional port");
            if (domain == "index.docker.io") domain = DockerHub;
            if (domain == DockerHub && !path.Contains('/', StringComparison.Ordinal)) path = "library/" + path;
        }
        else
        {
            domain = DockerHub;
            path = slash < 0 ? "library/" + rest : rest;
        }

        if (path.Length == 0) throw Bad(text, "the repository name is empty");
        foreach (var component in path.Split('/'))
        {
            if (component.Any(char.IsAsciiLetterUpper)) throw Bad(text, "the repository name must be lowercase");
            if (!IsPathComponent(component)) throw Bad(text, $"\"{component}\" is not a valid repository name component (lowercase letters and digits, joined by '.', '_', '__' or '-')");
        }
        if (domain.Length + 1 + path.Length > MaxNameLength) throw Bad(text, $"the name is longer than {MaxNameLength} characters");
        return new ImageReference(domain, path, tag ?? (digest is null ? "latest" : null), digest);
    }

    /// <summary>Like <see cref="Parse"/>; false, with the reason, instead of throwing.</summary>
    public static bool TryParse(string text, out ImageReference? reference, out string? error)
    {
        try
        {
            reference = Parse(text);
            error = null;
            return true;
        }
        catch (ImageException e)
        {
            reference = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>This reference with another tag (and no digest).</summary>
    public ImageReference WithTag(string tag)
        => IsTag(tag) ? new ImageReference(Domain, Path, tag, null) : throw Bad(tag, $"tag \"{tag}\" is invalid");

    /// <summary>This reference pinned to <paramref name="digest"/>, its tag kept.</summary>
    public ImageReference WithDigest(Digest digest) => new(Domain, Path, Tag, digest);

    /// <summary>The full normalised form, <c>docker.io/library/busybox:latest</c>.</summary>
    public override string ToString() => Name + (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d : "");

    private static ImageException Bad(string text, string why) => new($"invalid image reference \"{text}\": {why}");

    private static bool IsTag(string tag)
    {
        if (tag.Length is 0 or > MaxTagLength || tag[0] is '.' or '-') return false;
        foreach (var c in tag)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-')) return false;
        }
        return true;
    }

    /// <summary>Lowercase letters and digits, joined by one separator: <c>.</c>, <c>_</c>, <c>__</c>, or one or more dashes.</summary>
    private static bool IsPathComponent(string component)
    {
        var i = 0;
        while (true)
        {
            var start = i;
            while (i < component.Length && (char.IsAsciiDigit(component[i]) || char.IsAsciiLetterLower(component[i]))) i++;
            if (i == start) return false;
            if (i == component.Length) return true;
            var separator = i;
            while (i < component.Length && component[i] is '.' or '_' or '-') i++;
            var sep = component[separator..i];
            if (sep is not ("." or "_" or "__") && sep.Any(c => c != '-')) return false;
        }
    }

    /// <summary>A host name (letters, digits and dashes in dot-separated labels) or a bracketed IPv6 address, with an optional port.</summary>
    private static bool IsDomain(string domain)
    {
        string host;
        if (domain.StartsWith('['))
        {
            var close = domain.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !System.Net.IPAddress.TryParse(domain[1..close], out var address)
                || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return false;
            return close == domain.Length - 1 || (domain[close + 1] == ':' && IsPort(domain[(close + 2)..]));
        }
        var colon = domain.IndexOf(':', StringComparison.Ordinal);
        host = colon < 0 ? domain : domain[..colon];
        if (colon >= 0 && !IsPort(domain[(colon + 1)..])) return false;
        if (host.Length == 0) return false;
        foreach (var label in host.Split('.'))
        {
            if (label.Length == 0 || label[0] == '-' || label[^1] == '-') return false;
            if (label.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-')) return false;
        }
        return true;
    }

    private static bool IsPort(string port)
        => port.Length is > 0 and <= 5 && port.All(char.IsAsciiDigit) && int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) is > 0 and <= 65535;
}
