using Berth.Linux;
using Berth.Runtime.Rootfs;
using Berth.Testing;

namespace Berth.Runtime.Tests.Rootfs;

/// <summary>
/// <see cref="RootfsPaths"/> against the real kernel: what a returned descriptor names is read back through
/// <c>/proc/self/fd</c>, and the host folder a hostile symlink aims at is checked to be untouched.
/// </summary>
public sealed class RootfsPathsTests : IDisposable
{
    private readonly string _root = TestPaths.NewDirectory("rootfspaths");
    private readonly string _host = TestPaths.NewDirectory("rootfspaths-host");

    public void Dispose()
    {
        TestPaths.DeleteDirectory(_root);
        TestPaths.DeleteDirectory(_host);
    }

    private static string Named(int fd)
    {
        try
        {
            return new FileInfo(RootfsPaths.ProcPath(fd)).LinkTarget!;
        }
        finally
        {
            Fd.Close(fd);
        }
    }

    private string Climbing(string hostPath) => string.Concat(Enumerable.Repeat("../", 12)) + hostPath.TrimStart('/');

    [Fact]
    public void OpenDirectory_Existing_NamesItInsideRoot()
    {
        Directory.CreateDirectory(Path.Combine(_root, "a", "b"));
        using var paths = new RootfsPaths(_root);

        Assert.Equal(_root + "/a/b", Named(paths.OpenDirectory("/a/b", create: false)));
        Assert.Equal(_root + "/a/b", Named(paths.OpenDirectory("a//./b/", create: false)));
        Assert.Equal(_root, Named(paths.OpenDirectory("/../..", create: false)));
    }

    [Fact]
    public void OpenDirectory_AbsoluteSymlinkToHostFolder_CreatesInsideRootAndHostUntouched()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "data"), _host);
        using var paths = new RootfsPaths(_root);

        var named = Named(paths.OpenDirectory("/data/made", create: true));

        Assert.Equal(_root + _host + "/made", named);
        Assert.Empty(Directory.GetFileSystemEntries(_host));
    }

    [Fact]
    public void OpenDirectory_ClimbingRelativeSymlink_StopsAtRootAndHostUntouched()
    {
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        File.CreateSymbolicLink(Path.Combine(_root, "sub", "up"), Climbing(_host));
        using var paths = new RootfsPaths(_root);

        var named = Named(paths.OpenDirectory("/sub/up/made/deeper", create: true));

        Assert.Equal(_root + _host + "/made/deeper", named);
        Assert.Empty(Directory.GetFileSystemEntries(_host));
    }

    [Fact]
    public void Open_FileThroughSymlinkToHost_CreatesEmptyFileInsideRoot()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "etc"), _host);
        using var paths = new RootfsPaths(_root);

        var named = Named(paths.Open("/etc/resolv.conf", createFile: true));

        Assert.Equal(_root + _host + "/resolv.conf", named);
        Assert.Equal(0, new FileInfo(named).Length);
        Assert.Empty(Directory.GetFileSystemEntries(_host));
    }

    [Fact]
    public void Open_DanglingSymlinkToHostFile_CreatesItInsideRoot()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "hostname"), Path.Combine(_host, "hostname"));
        using var paths = new RootfsPaths(_root);

        var named = Named(paths.Open("/hostname", createFile: true));

        Assert.Equal(_root + _host + "/hostname", named);
        Assert.Empty(Directory.GetFileSystemEntries(_host));
    }

    [Fact]
    public void OpenDirectory_DanglingRelativeSymlink_MakesWhatItNamesInsideRoot()
    {
        Directory.CreateDirectory(Path.Combine(_root, "var"));
        File.CreateSymbolicLink(Path.Combine(_root, "var", "run"), "../run");
        using var paths = new RootfsPaths(_root);

        Assert.Equal(_root + "/run/lock", Named(paths.OpenDirectory("/var/run/lock", create: true)));
    }

    [Fact]
    public void OpenDirectory_FileInTheWay_FailsNamingPath()
    {
        File.WriteAllText(Path.Combine(_root, "file"), "x");
        using var paths = new RootfsPaths(_root);

        var e = Assert.Throws<RuntimeException>(() => paths.OpenDirectory("/file/sub", create: true));

        Assert.Contains("/file", e.Message, StringComparison.Ordinal);
        Assert.Contains("ENOTDIR", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenDirectory_SymlinkLoop_FailsWithEloop()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "loop"), "/loop");
        using var paths = new RootfsPaths(_root);

        var e = Assert.Throws<RuntimeException>(() => paths.OpenDirectory("/loop/x", create: true));

        Assert.Contains("ELOOP", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenDirectory_DotDotAfterSymlink_ClimbsFromWhereTheLinkLed()
    {
        Directory.CreateDirectory(Path.Combine(_root, "b", "c"));
        File.CreateSymbolicLink(Path.Combine(_root, "link"), "/b/c");
        using var paths = new RootfsPaths(_root);

        // As the kernel resolves it: /link/.. is /b, not /.
        Assert.Equal(_root + "/b/made", Named(paths.OpenDirectory("/link/../made", create: true)));
    }

    [Theory]
    [InlineData("/dev/null", "/dev", "null")]
    [InlineData("/etc/", "/", "etc")]
    [InlineData("hostname", "/", "hostname")]
    [InlineData("/a/b/c", "/a/b", "c")]
    public void Split_Path_GivesParentAndName(string path, string directory, string name)
    {
        Assert.Equal((directory, name), RootfsPaths.Split(path));
    }
}
