using System.Runtime.InteropServices;

namespace Berth.Testing;

/// <summary>What the test process may do on this machine.</summary>
public static partial class Privileges
{
    /// <summary>The skip reason of tests that need root.</summary>
    public const string SkipReason = "requires root";

    /// <summary>True when the effective user id is 0.</summary>
    public static bool IsRoot { get; } = geteuid() == 0;

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
