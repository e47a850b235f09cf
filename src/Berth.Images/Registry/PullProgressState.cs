namespace Berth.Images.Registry;

/// <summary>Where a layer of a pull is.</summary>
public enum PullProgressState
{
    /// <summary>To be downloaded, waiting for a free download slot.</summary>
    Waiting,

    /// <summary>Downloading; <see cref="PullProgress.Done"/> says how far.</summary>
    Downloading,

    /// <summary>Downloaded and verified against its digest and size, and in the content store.</summary>
    Complete,

    /// <summary>Already in the content store: not downloaded.</summary>
    AlreadyExists,
}
