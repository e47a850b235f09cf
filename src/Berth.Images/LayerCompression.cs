namespace Berth.Images;

/// <summary>How a layer blob is compressed.</summary>
public enum LayerCompression
{
    /// <summary>A plain tar.</summary>
    None,

    /// <summary>gzip.</summary>
    Gzip,

    /// <summary>zstd.</summary>
    Zstd,
}
