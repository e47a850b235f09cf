using System.Runtime.InteropServices;

namespace Berth.Runtime.Tests.Security;

/// <summary>libc calls the tests make to observe a filter or a credential change.</summary>
internal static partial class TestLibc
{
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkdir(string path, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int personality(ulong persona);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getppid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getpriority(int which, uint who);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, long a1, long a2, long a3);

    /// <summary>mkdir(2): 0, or the errno.</summary>
    public static int Mkdir(string path, uint mode) => mkdir(path, mode) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>personality(2): the previous persona, or minus the errno.</summary>
    public static int Personality(ulong persona)
    {
        var rc = personality(persona);
        return rc >= 0 ? rc : -Marshal.GetLastPInvokeError();
    }

    public static int GetParentPid() => getppid();

    /// <summary>getpriority(2): 0 when it succeeded, or the errno (its result may be -1 legitimately, so errno is cleared first).</summary>
    public static int GetPriorityErrno(int which, uint who)
    {
        Marshal.SetLastPInvokeError(0);
        var rc = getpriority(which, who);
        return rc == -1 ? Marshal.GetLastPInvokeError() : 0;
    }

    /// <summary>setresuid(2) as a raw syscall, which (unlike glibc's wrapper) changes the calling thread only.</summary>
    public static void SetThreadUids(uint uid)
    {
        long nr = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 117,
            Architecture.Arm64 => 147,
            var other => throw new PlatformNotSupportedException($"setresuid number for {other}"),
        };
        if (syscall(nr, uid, uid, uid) != 0) throw new InvalidOperationException($"setresuid {uid}: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>A hex field (CapEff, CapBnd…) or decimal field (Seccomp) of /proc/thread-self/status.</summary>
    public static ulong ThreadStatus(string field, bool hex = true)
    {
        foreach (var line in File.ReadLines("/proc/thread-self/status"))
        {
            if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
            var value = line[(field.Length + 1)..].Trim().Split(' ', '\t')[0];
            return ulong.Parse(value, hex ? System.Globalization.NumberStyles.HexNumber : System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"no {field} in /proc/thread-self/status");
    }
}
