using System.Security.Cryptography;

namespace Berth.Images;

/// <summary>
/// A content digest as the OCI image spec writes it, <c>sha256:</c> and 64 lowercase hex digits: the name of a blob
/// in the content store and in manifests. Other algorithms are refused (the store keeps sha256 only).
/// </summary>
public readonly record struct Digest
{
    private const string Sha256Prefix = "sha256:";

    private Digest(string hex) => Hex = hex;

    /// <summary>The algorithm, always <c>sha256</c>.</summary>
    public string Algorithm => "sha256";

    /// <summary>The 64 lowercase hex digits.</summary>
    public string Hex { get; }

    /// <summary>Parses <c>sha256:HEX</c>.</summary>
    /// <exception cref="ImageException">Not a sha256 digest in the OCI form.</exception>
    public static Digest Parse(string text)
        => TryParse(text, out var digest) ? digest
            : throw new ImageException(text.Contains(':', StringComparison.Ordinal) && !text.StartsWith(Sha256Prefix, StringComparison.Ordinal)
                ? $"digest \"{text}\": only sha256 digests are supported"
                : $"digest \"{text}\" is not of the form sha256:<64 lowercase hex digits>");

    /// <summary>Parses <c>sha256:HEX</c>; false when <paramref name="text"/> is anything else.</summary>
    public static bool TryParse(string? text, out Digest digest)
    {
        digest = default;
        if (text is null || text.Length != Sha256Prefix.Length + 64 || !text.StartsWith(Sha256Prefix, StringComparison.Ordinal)) return false;
        var hex = text[Sha256Prefix.Length..];
        foreach (var c in hex)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f'))) return false;
        }
        digest = new Digest(hex);
        return true;
    }

    /// <summary>The digest of <paramref name="data"/>.</summary>
    public static Digest Of(ReadOnlySpan<byte> data) => FromHash(SHA256.HashData(data));

    /// <summary>The digest of a finished sha256 hash.</summary>
    public static Digest FromHash(ReadOnlySpan<byte> sha256)
    {
        if (sha256.Length != 32) throw new ArgumentException("a sha256 hash is 32 bytes", nameof(sha256));
        return new Digest(Convert.ToHexStringLower(sha256));
    }

    /// <inheritdoc/>
    public override string ToString() => Hex is null ? "" : Sha256Prefix + Hex;
}
