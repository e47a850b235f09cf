namespace Berth.Images;

/// <summary>The media types of manifests, indexes, configs and layers Berth reads (OCI and Docker schema 2).</summary>
public static class MediaTypes
{
    /// <summary>An OCI image manifest.</summary>
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";

    /// <summary>An OCI image index.</summary>
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";

    /// <summary>An OCI image config.</summary>
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";

    /// <summary>An OCI layer, uncompressed.</summary>
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";

    /// <summary>An OCI layer, gzip.</summary>
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";

    /// <summary>An OCI layer, zstd.</summary>
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";

    /// <summary>A Docker schema 2 manifest.</summary>
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

    /// <summary>A Docker manifest list (the index of a multi-platform image).</summary>
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>A Docker image config.</summary>
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";

    /// <summary>A Docker layer (gzip).</summary>
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /// <summary>Whether <paramref name="mediaType"/> is an image manifest (OCI or Docker).</summary>
    public static bool IsManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;

    /// <summary>Whether <paramref name="mediaType"/> is an index of manifests (OCI or Docker).</summary>
    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    /// <summary>The compression of a layer of <paramref name="mediaType"/>, or null when it is not a layer type Berth unpacks.</summary>
    public static LayerCompression? CompressionOf(string mediaType) => mediaType switch
    {
        OciLayer => LayerCompression.None,
        OciLayerGzip or DockerLayerGzip => LayerCompression.Gzip,
        OciLayerZstd => LayerCompression.Zstd,
        _ => null,
    };
}
