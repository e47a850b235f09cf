namespace Berth.Images;

/// <summary>What a layer unpack did: the digest and size of the uncompressed tar, and how many entries it held.</summary>
public sealed record UnpackResult(Digest DiffId, long TarSize, int Entries);
