using System.Diagnostics;

namespace Berth.Testing;

/// <summary>
/// Small root file systems built from Debian's busybox-static
/// (<c>/bin/busybox</c>): the binary at <c>/bin/busybox</c>, a symlink in
/// <c>/bin</c> for every applet, <c>/etc/passwd</c> and <c>/etc/group</c>
/// (root, <c>app</c> 1000, nobody 65534), <c>/tmp</c> (1777), and empty
/// <c>/proc</c>, <c>/sys</c>, <c>/dev</c>, <c>/root</c> for the runtime to
/// mount on. One template is built per test run and copied for each rootfs.
/// </summary>
public static class BusyboxRootfs
{
    /// <summary>Where Debian's busybox-static installs its binary.</summary>
    public const string BusyboxPath = "/bin/busybox";

    private static readonly Lazy<string> Template = new(BuildTemplate, LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly Lazy<byte[]> TarBytes = new(BuildTar, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The busybox root file system as an uncompressed tar (an image layer), built once per test run; callers must
    /// not change the array.
    /// </summary>
    public static byte[] Tar => TarBytes.Value;

    private static byte[] BuildTar()
    {
        var rootfs = TestPaths.NewDirectory("rootfs");
        try
        {
            CreateAt(rootfs);
            using var tar = new MemoryStream();
            System.Formats.Tar.TarFile.CreateFromDirectory(rootfs, tar, includeBaseDirectory: false);
            return tar.ToArray();
        }
        finally
        {
            TestPaths.DeleteDirectory(rootfs);
        }
    }

    /// <summary>
    /// Creates a busybox root file system at <paramref name="path"/>, which
    /// must not exist or be empty. The caller owns the folder.
    /// </summary>
    /// <param name="path">The folder to create, e.g. <c>BUNDLE/rootfs</c>.</param>
    /// <exception cref="InvalidOperationException">/bin/busybox is missing or does not run.</exception>
    public static void CreateAt(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CopyTree(Template.Value, path);
    }

    private static string BuildTemplate()
    {
        if (!File.Exists(BusyboxPath))
        {
            throw new InvalidOperationException($"{BusyboxPath} is missing: install busybox-static (apt-get install busybox-static; ./test.sh does it)");
        }

        var applets = ListApplets();
        var root = TestPaths.NewDirectory("rootfs-template");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort at process exit; /tmp is cleaned eventually.
            }
        };

        foreach (var dir in new[] { "bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "root", "var", "run" })
        {
            Directory.CreateDirectory(Path.Combine(root, dir));
        }

        var tmp = Path.Combine(root, "tmp");
        Directory.CreateDirectory(tmp);
        // Set explicitly: the process umask applies to mkdir's mode.
        SetMode(tmp, UnixFileMode.StickyBit | (UnixFileMode)0b111_111_111);
        SetMode(Path.Combine(root, "root"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var busybox = Path.Combine(root, "bin", "busybox");
        File.Copy(BusyboxPath, busybox);
        SetMode(busybox, (UnixFileMode)0b111_101_101);
        foreach (var applet in applets)
        {
            File.CreateSymbolicLink(Path.Combine(root, "bin", applet), "busybox");
        }

        File.WriteAllText(Path.Combine(root, "etc", "passwd"),
            "root:x:0:0:root:/root:/bin/sh\n" +
            "app:x:1000:1000:app:/tmp:/bin/sh\n" +
            "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        File.WriteAllText(Path.Combine(root, "etc", "group"),
            "root:x:0:\n" +
            "tty:x:5:\n" +
            "app:x:1000:\n" +
            "nogroup:x:65534:\n");
        File.WriteAllText(Path.Combine(root, "etc", "hosts"), "127.0.0.1\tlocalhost\n::1\tlocalhost\n");
        File.WriteAllText(Path.Combine(root, "etc", "hostname"), string.Empty);
        return root;
    }

    private static List<string> ListApplets()
    {
        var start = new ProcessStartInfo(BusyboxPath)
        {
            ArgumentList = { "--list" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"cannot start {BusyboxPath} --list");
        var stderr = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{BusyboxPath} --list exited {process.ExitCode}: {stderr.Result}");
        }

        var applets = output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(a => a != "busybox" && !a.Contains('/', StringComparison.Ordinal))
            .ToList();
        if (applets.Count == 0)
        {
            throw new InvalidOperationException($"{BusyboxPath} --list printed no applets: is it busybox-static?");
        }

        return applets;
    }

    // Fixtures run on Linux only; the guard keeps the platform analyzer
    // from flagging every caller.
    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private static UnixFileMode GetMode(string path) =>
        OperatingSystem.IsWindows() ? UnixFileMode.None : File.GetUnixFileMode(path);

    /// <summary>Copies a tree like <c>cp -a</c> for what the template holds: folders, files, symlinks, modes.</summary>
    private static void CopyTree(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        SetMode(destination, GetMode(source));
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(destination, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(target, link);
            }
            else if (entry is DirectoryInfo)
            {
                CopyTree(entry.FullName, target);
            }
            else
            {
                File.Copy(entry.FullName, target);
                SetMode(target, GetMode(entry.FullName));
            }
        }
    }
}
