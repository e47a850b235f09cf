using System.Security.Cryptography;

namespace Berth.Testing;

/// <summary>
/// Short unique names for what a test creates (container ids, cgroups,
/// databases), so tests never collide with each other or with other users of
/// the machine.
/// </summary>
public static class UniqueId
{
    /// <summary>
    /// Returns <paramref name="prefix"/>, a dash and ten random lowercase hex
    /// digits, e.g. <c>t-1a2b3c4d5e</c>.
    /// </summary>
    /// <param name="prefix">A short lowercase prefix; "t" when omitted.</param>
    public static string New(string prefix = "t") =>
        $"{prefix}-{RandomNumberGenerator.GetHexString(10, lowercase: true)}";
}
