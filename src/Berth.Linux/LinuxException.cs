using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>
/// A failed system call or kernel file operation: names the call, the errno, and the path or
/// value involved, so a message reads like <c>mount /proc on /x/proc: EPERM (Operation not permitted)</c>.
/// </summary>
public sealed class LinuxException : Exception
{
    /// <summary>Creates the exception for <paramref name="syscall"/> failing with <paramref name="errno"/>.</summary>
    public LinuxException(string syscall, int errno, string? detail = null)
        : base(Format(syscall, errno, detail))
    {
        Syscall = syscall;
        Errno = errno;
        Detail = detail;
    }

    /// <summary>The system call (or file operation) that failed, such as <c>pivot_root</c>.</summary>
    public string Syscall { get; }

    /// <summary>The errno value the kernel returned.</summary>
    public int Errno { get; }

    /// <summary>The path or value the call was about, when there is one.</summary>
    public string? Detail { get; }

    /// <summary>Throws for the errno of the last P/Invoke call made with SetLastError.</summary>
    public static LinuxException FromLastError(string syscall, string? detail = null)
        => new(syscall, Marshal.GetLastPInvokeError(), detail);

    private static string Format(string syscall, int errno, string? detail)
    {
        var what = detail is null ? syscall : $"{syscall} {detail}";
        return $"{what}: {Berth.Linux.Errno.Name(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})";
    }
}
