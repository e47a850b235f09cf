namespace Berth.Runtime;

/// <summary>Version facts the runtime reports.</summary>
public static class RuntimeInfo
{
    /// <summary>The runtime-spec version Berth implements.</summary>
    public const string OciVersion = "1.0.2";
    /// <summary>Berth's own version.</summary>
    public const string Version = "0.1.0";
}
