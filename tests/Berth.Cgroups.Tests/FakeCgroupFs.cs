namespace Berth.Cgroups.Tests;

/// <summary>
/// A temp-dir stand-in for a cgroup2 mount, for formatting and parsing units only: files are plain files, so the
/// test pre-creates the container's directory and the files the backend writes.
/// </summary>
public sealed class FakeCgroupFs : IDisposable
{
    public FakeCgroupFs(string controllers)
    {
        Root = Directory.CreateTempSubdirectory("berth-fakecg-").FullName;
        Write(Root, "cgroup.controllers", controllers);
        Write(Root, "cgroup.subtree_control", "");
        Layout = CgroupLayout.Detect($"41 31 0:38 / {Root} rw - cgroup2 cgroup2 rw\n", "0::/\n", controllers);
    }

    public string Root { get; }

    public CgroupLayout Layout { get; }

    /// <summary>Makes the container's directory with empty files named <paramref name="files"/>.</summary>
    public string MakeCgroup(string name, string controllers, params string[] files)
    {
        var dir = Path.Join(Root, name);
        Directory.CreateDirectory(dir);
        Write(dir, "cgroup.controllers", controllers);
        foreach (var f in files)
        {
            Write(dir, f, "");
        }

        return dir;
    }

    public static void Write(string dir, string file, string text) => File.WriteAllText(Path.Join(dir, file), text);

    public static string Read(string dir, string file) => File.ReadAllText(Path.Join(dir, file));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
