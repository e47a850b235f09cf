using System.Runtime.InteropServices;
using Berth.Linux;

namespace Berth.Cgroups;

/// <summary>
/// A cgroup operation that failed or a limit that cannot be honoured. Kernel failures name the operation,
/// the file, the value and the errno, such as
/// <c>write "100" to /sys/fs/cgroup/pids/x/pids.max: EINVAL (Invalid argument)</c>.
/// </summary>
public sealed class CgroupException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public CgroupException() : base("cgroup operation failed")
    {
    }

    /// <summary>Creates an exception for a refused request (bad input, missing controller or file).</summary>
    public CgroupException(string message) : base(message)
    {
    }

    /// <summary>Creates an exception wrapping <paramref name="innerException"/>.</summary>
    public CgroupException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for <paramref name="operation"/> on <paramref name="file"/> failing with <paramref name="errno"/>.</summary>
    public CgroupException(string operation, string file, string? value, int errno)
        : base(Format(operation, file, value, errno))
    {
        Operation = operation;
        File = file;
        Value = value;
        Errno = errno;
    }

    /// <summary>The operation that failed (<c>write</c>, <c>read</c>, <c>mkdir</c>, <c>rmdir</c>, <c>kill</c>), when the kernel refused.</summary>
    public string? Operation { get; }

    /// <summary>The cgroup file or directory involved, when there is one.</summary>
    public string? File { get; }

    /// <summary>The value that was written, when there is one.</summary>
    public string? Value { get; }

    /// <summary>The errno the kernel returned; 0 when the request was refused before reaching the kernel.</summary>
    public int Errno { get; }

    private static string Format(string operation, string file, string? value, int errno)
    {
        var what = value is null ? $"{operation} {file}" : $"{operation} \"{value}\" to {file}";
        return $"{what}: {Berth.Linux.Errno.Name(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})";
    }
}
