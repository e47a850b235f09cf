using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Berth.Linux;

namespace Berth.Cgroups;

/// <summary>Reads and writes cgroupfs files, turning every failure into a <see cref="CgroupException"/>.</summary>
internal static class CgroupFiles
{
    /// <summary>The value cgroupfs prints for "no limit".</summary>
    internal const string Max = "max";

    internal static string PathOf(string dir, string file) => System.IO.Path.Join(dir, file);

    internal static bool Exists(string dir, string file) => File.Exists(PathOf(dir, file));

    /// <summary>Writes <paramref name="value"/> with a single write(2), as cgroupfs expects one value per write.</summary>
    internal static void Write(string dir, string file, string value)
    {
        var path = PathOf(dir, file);
        var errno = Fd.TryWriteFile(path, Encoding.UTF8.GetBytes(value));
        if (errno != 0)
        {
            throw new CgroupException("write", path, value, errno);
        }
    }

    internal static void Write(string dir, string file, long value) =>
        Write(dir, file, value.ToString(CultureInfo.InvariantCulture));

    internal static string Read(string dir, string file)
    {
        var path = PathOf(dir, file);
        return Fd.TryReadText(path, out var errno) ?? throw new CgroupException("read", path, null, errno);
    }

    internal static string? TryRead(string dir, string file)
    {
        try
        {
            return File.ReadAllText(PathOf(dir, file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads a one-value file; <c>max</c> reads as <see cref="ulong.MaxValue"/>, a missing file as null.</summary>
    internal static ulong? TryReadUlong(string dir, string file)
    {
        var text = TryRead(dir, file);
        return text is null ? null : ParseUlong(text.Trim(), PathOf(dir, file));
    }

    internal static ulong ParseUlong(string text, string path)
    {
        if (text == Max)
        {
            return ulong.MaxValue;
        }

        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
        {
            return v;
        }

        // Some v1 files print -1 for "unlimited".
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s) && s < 0)
        {
            return ulong.MaxValue;
        }

        throw new CgroupException($"cannot parse \"{text}\" read from {path} as a number");
    }

    /// <summary>Parses <c>key value</c> lines (memory.stat, cpu.stat, memory.events, memory.oom_control).</summary>
    internal static Dictionary<string, ulong> ParseFlatKeyed(string text)
    {
        var result = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var v))
            {
                result[parts[0]] = v;
            }
        }

        return result;
    }

    internal static Dictionary<string, ulong> TryReadFlatKeyed(string dir, string file)
    {
        var text = TryRead(dir, file);
        return text is null ? new Dictionary<string, ulong>(StringComparer.Ordinal) : ParseFlatKeyed(text);
    }

    /// <summary>The pids in <c>cgroup.procs</c> of <paramref name="dir"/> and every directory below it.</summary>
    internal static void CollectPids(string dir, ISet<int> into)
    {
        if (!ReadPids(dir, into))
        {
            return;
        }

        foreach (var child in SafeSubdirectories(dir))
        {
            CollectPids(child, into);
        }
    }

    /// <summary>Adds the pids in <c>cgroup.procs</c> of <paramref name="dir"/> alone; false when it cannot be read.</summary>
    internal static bool ReadPids(string dir, ISet<int> into)
    {
        var text = TryRead(dir, "cgroup.procs");
        if (text is null)
        {
            return false;
        }

        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                into.Add(pid);
            }
        }

        return true;
    }

    internal static IEnumerable<string> SafeSubdirectories(string dir)
    {
        try
        {
            return Directory.GetDirectories(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Creates <paramref name="path"/>; returns false when it already existed.</summary>
    internal static bool MakeDirectory(string path)
    {
        var errno = Nodes.TryMakeDirectory(path, 0x1ed /* 0755 */);
        if (errno == 0)
        {
            return true;
        }

        if (errno == Errno.EEXIST)
        {
            return false;
        }

        throw new CgroupException("mkdir", path, null, errno);
    }

    /// <summary>rmdir of a cgroup directory that may still be in use: false when it is busy or has children.</summary>
    internal static bool TryRemoveEmpty(string path)
    {
        var errno = Nodes.TryRemoveDirectory(path);
        return errno is 0 or Errno.ENOENT;
    }

    /// <summary>
    /// Removes <paramref name="path"/> and the cgroups below it, deepest first. A missing directory is fine;
    /// EBUSY (tasks still leaving after a kill) is retried for up to <paramref name="busyTimeout"/>.
    /// </summary>
    internal static void RemoveTree(string path, TimeSpan busyTimeout)
    {
        // The usual case, an empty leaf, takes one rmdir. The kernel answers EBUSY for a cgroup that still has
        // children or processes: only then look inside.
        var errno = Nodes.TryRemoveDirectory(path);
        if (errno is 0 or Errno.ENOENT)
        {
            return;
        }

        if (errno != Errno.EBUSY)
        {
            throw new CgroupException("rmdir", path, null, errno);
        }

        foreach (var child in SafeSubdirectories(path))
        {
            RemoveTree(child, busyTimeout);
        }

        RemoveDirectory(path, busyTimeout);
    }

    internal static void RemoveDirectory(string path, TimeSpan busyTimeout)
    {
        var deadline = DateTime.UtcNow + busyTimeout;
        while (true)
        {
            var errno = Nodes.TryRemoveDirectory(path);
            if (errno is 0 or Errno.ENOENT)
            {
                return;
            }

            if (errno != Errno.EBUSY || DateTime.UtcNow >= deadline)
            {
                throw new CgroupException("rmdir", path, null, errno);
            }

            Thread.Sleep(10);
        }
    }
}
