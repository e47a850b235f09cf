namespace Berth.Images;

/// <summary>Entry names and link targets inside an image archive, checked so that none leads outside it.</summary>
internal static class ArchivePaths
{
    /// <summary>
    /// An entry name made relative and checked: <c>./</c> and trailing slashes dropped (<c>.</c> is the archive's
    /// root, <c>""</c>); an absolute name or one with a <c>..</c> component is refused.
    /// </summary>
    public static string EntryName(string raw, string format)
    {
        var name = raw;
        while (name.StartsWith("./", StringComparison.Ordinal)) name = name[2..];
        name = name.TrimEnd('/');
        if (name == ".") name = "";
        if (raw.StartsWith('/') || name.Split('/').Any(p => p == ".."))
            throw new ImageException($"{format}: entry \"{raw}\" points outside the archive");
        return name;
    }

    /// <summary>A symlink's target as an entry name (relative to the link's folder), refused if it leaves the archive.</summary>
    public static string SymlinkTarget(string name, string target, string format)
    {
        if (target.StartsWith('/')) throw new ImageException($"{format}: link {name} points outside the archive ({target})");
        var parts = new List<string>(name.Split('/')[..^1]);
        foreach (var p in target.Split('/'))
        {
            if (p is "" or ".") continue;
            if (p == "..")
            {
                if (parts.Count == 0) throw new ImageException($"{format}: link {name} points outside the archive ({target})");
                parts.RemoveAt(parts.Count - 1);
            }
            else
            {
                parts.Add(p);
            }
        }
        return string.Join('/', parts);
    }

    /// <summary>A hard link's target, which tar names from the archive's root; refused if it leaves the archive.</summary>
    public static string HardLinkTarget(string name, string target, string format)
    {
        if (target.StartsWith('/') || target.Split('/').Any(p => p == ".."))
            throw new ImageException($"{format}: link {name} points outside the archive ({target})");
        return EntryName(target, format);
    }

    /// <summary>Whether <paramref name="text"/> is 64 lowercase hex digits (a sha256 digest's hex, as archives name files).</summary>
    public static bool IsHex(ReadOnlySpan<char> text)
    {
        if (text.Length != 64) return false;
        foreach (var c in text)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f'))) return false;
        }
        return true;
    }

    /// <summary>
    /// Whether an (already checked) entry name is one that a docker-archive or an OCI layout tar holds:
    /// <c>manifest.json</c>, <c>repositories</c>, <c>index.json</c>, <c>oci-layout</c>, <c>HEX.json</c>,
    /// <c>HEX.tar</c>, <c>HEX/</c>, <c>HEX/layer.tar</c>, <c>HEX/json</c>, <c>HEX/VERSION</c>, <c>blobs/</c>,
    /// <c>blobs/sha256/</c> and <c>blobs/sha256/HEX</c>.
    /// </summary>
    public static bool IsImageArchiveName(string name)
    {
        if (name is "manifest.json" or "repositories" or "index.json" or "oci-layout" or "blobs" or "blobs/sha256") return true;
        if (name.StartsWith("blobs/sha256/", StringComparison.Ordinal)) return IsHex(name.AsSpan(13));
        if ((name.Length == 69 && name.EndsWith(".json", StringComparison.Ordinal)) || (name.Length == 68 && name.EndsWith(".tar", StringComparison.Ordinal)))
            return IsHex(name.AsSpan(0, 64));
        if (name.Length < 64 || !IsHex(name.AsSpan(0, 64))) return false;
        return name.Length == 64 || name[64..] is "/layer.tar" or "/json" or "/VERSION";
    }

    /// <summary>Where a chain of symlinks and hard links starting at <paramref name="name"/> ends.</summary>
    public static string Follow(IReadOnlyDictionary<string, string> links, string name, string format)
    {
        for (var hops = 0; links.TryGetValue(name, out var target); hops++)
        {
            if (hops > 16) throw new ImageException($"{format}: links loop at {name}");
            name = target;
        }
        return name;
    }
}
