namespace Berth.Ui.Model;

/// <summary>How the pages write image ids and digests.</summary>
public static class ImageIds
{
    /// <summary>The first 12 hex digits of a digest (<c>sha256:…</c>), as Docker shows ids; other text as it is.</summary>
    public static string Short(string digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        var hex = colon < 0 ? digest : digest[(colon + 1)..];
        return hex.Length > 12 ? hex[..12] : hex;
    }
}
