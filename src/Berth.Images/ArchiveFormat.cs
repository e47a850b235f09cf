namespace Berth.Images;

/// <summary>What an imported archive turned out to be.</summary>
public enum ArchiveFormat
{
    /// <summary>A docker-archive (<c>docker save</c>): <c>manifest.json</c>, configs and layer tars.</summary>
    DockerArchive,

    /// <summary>An OCI image layout in a tar (<c>oci-archive</c>): <c>oci-layout</c>, <c>index.json</c>, <c>blobs/</c>.</summary>
    OciArchive,

    /// <summary>A plain root file system tarball (<c>docker import</c>), made into a one-layer image.</summary>
    RootfsTarball,
}
