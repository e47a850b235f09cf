using System.Security.Cryptography;
using System.Text;

namespace Berth.ControlPlane.Identity;

/// <summary>API token text: <c>berth_</c> and 32 random bytes in base64url; stored only as its SHA-256.</summary>
public static class ApiTokens
{
    public const string Prefix = "berth_";

    public static string New() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
