namespace Berth.Images.Registry;

/// <summary>How far the download of one layer of a pull is: <paramref name="Done"/> of <paramref name="Total"/> bytes.</summary>
public sealed record PullProgress(Digest Layer, PullProgressState State, long Done, long Total);
