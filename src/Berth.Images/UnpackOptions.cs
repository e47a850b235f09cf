namespace Berth.Images;

/// <summary>Limits and permissions of a layer unpack.</summary>
public sealed class UnpackOptions
{
    /// <summary>At most this many bytes of tar once decompressed (default 32 GiB): the decompression bomb guard.</summary>
    public long MaxBytes { get; init; } = 32L << 30;

    /// <summary>At most this many tar entries (default 2 million).</summary>
    public int MaxEntries { get; init; } = 2_000_000;

    /// <summary>
    /// Whether character and block device nodes are created (default false: they are refused). Whiteouts, which
    /// overlayfs spells as 0/0 character devices, are always made.
    /// </summary>
    public bool AllowDevices { get; init; }
}
