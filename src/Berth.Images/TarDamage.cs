using System.Formats.Tar;
using ZstdSharp;

namespace Berth.Images;

/// <summary>The exceptions that a damaged, truncated or hostile tar (or its compression) raises while it is read.</summary>
internal static class TarDamage
{
    /// <summary>
    /// Whether <paramref name="e"/> is what <see cref="TarReader"/>, gzip or zstd throw on bad input.
    /// </summary>
    public static bool IsDamage(Exception e)
        => e is InvalidDataException or EndOfStreamException or FormatException or ZstdException;

    /// <summary>The damage as an <see cref="ImageException"/> naming the archive.</summary>
    public static ImageException Wrap(string format, Exception e) => new($"{format}: damaged or truncated tar: {e.Message}", e);
}
