using System.Security.Cryptography;

namespace Berth.Engine;

/// <summary>Container names made of an adjective and a noun, as Docker makes them (<c>calm_harbor</c>).</summary>
internal static class Names
{
    private static readonly string[] Adjectives =
    [
        "amber", "bold", "brave", "bright", "calm", "clever", "crisp", "deep", "eager", "fair", "fast", "gentle", "glad",
        "grand", "happy", "keen", "kind", "lively", "lucky", "merry", "mighty", "modest", "neat", "nimble", "noble",
        "plucky", "proud", "quick", "quiet", "rapid", "sharp", "shy", "silent", "sleek", "smooth", "snug", "steady",
        "still", "sturdy", "sunny", "swift", "tidy", "trusty", "vivid", "warm", "wise", "witty", "zesty",
    ];

    private static readonly string[] Nouns =
    [
        "anchor", "bay", "beacon", "berth", "buoy", "cabin", "canal", "cape", "cargo", "channel", "cove", "crane",
        "current", "deck", "dock", "ferry", "fjord", "fleet", "galley", "gull", "harbor", "haven", "helm", "hull",
        "inlet", "island", "jetty", "keel", "lagoon", "lighthouse", "marina", "mast", "mooring", "oar", "pier",
        "port", "quay", "reef", "rudder", "sail", "schooner", "shore", "skiff", "sound", "tide", "wharf", "yacht",
    ];

    /// <summary>A random name; the caller retries when it is taken.</summary>
    public static string Random()
        => $"{Adjectives[RandomNumberGenerator.GetInt32(Adjectives.Length)]}_{Nouns[RandomNumberGenerator.GetInt32(Nouns.Length)]}";
}
