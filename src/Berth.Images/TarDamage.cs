using System.Formats.Tar;
using ZstdSharp;

namespace Berth.Images;

/// <summary>The exceptions that a damaged, truncated or hostile tar (or its compression) raises while it is read.</summary>
internal static class TarDamage
{
    /// <summary>
    /// Whether <paramref name="e"/> is what <see cref="TarReader"/>, gzip or zstd throw on bad input. The archive
    /// fuzzer (ImageArchiveFuzzTests) found three more: the tar reader's <see cref="NotSupportedException"/> for entry
    /// types it does not read (GNU sparse files), its <see cref="OverflowException"/> for a base-256 number field too
    /// large for its type, and its <see cref="InvalidOperationException"/> for an extended-attributes header whose size
    /// is too large (only the tar reader's: one of Berth's own is a bug, not damage).
    /// </summary>
    public static bool IsDamage(Exception e)
        => e is InvalidDataException or EndOfStreamException or FormatException or ZstdException or NotSupportedException or OverflowException
            or InvalidOperationException { Source: "System.Formats.Tar" };

    /// <summary>The damage as an <see cref="ImageException"/> naming the archive.</summary>
    public static ImageException Wrap(string format, Exception e)
        => new(e is NotSupportedException ? $"{format}: a tar Berth does not read: {e.Message}" : $"{format}: damaged or truncated tar: {e.Message}", e);
}
