using Berth.Runtime.Rootfs;
using Berth.Testing;

namespace Berth.Runtime.Tests.Rootfs;

public sealed class SecurePathTests : IDisposable
{
    private readonly string _root = TestPaths.NewDirectory("securepath");

    public void Dispose() => TestPaths.DeleteDirectory(_root);

    [Theory]
    [InlineData("/etc/passwd", "/etc/passwd")]
    [InlineData("etc/passwd", "/etc/passwd")]
    [InlineData("//etc///passwd/", "/etc/passwd")]
    [InlineData("/./etc/./passwd", "/etc/passwd")]
    [InlineData("/a/b/../c", "/a/c")]
    public void Join_PlainPath_AppendsUnderRoot(string path, string expected)
    {
        Assert.Equal(_root + expected, SecurePath.Join(_root, path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData(".")]
    [InlineData("..")]
    public void Join_RootItself_ReturnsRoot(string path)
    {
        Assert.Equal(_root, SecurePath.Join(_root, path));
    }

    [Theory]
    [InlineData("../../../etc/shadow", "/etc/shadow")]
    [InlineData("/a/../../../../b", "/b")]
    [InlineData("/../..", "")]
    public void Join_DotDotAboveRoot_StaysInsideRoot(string path, string expected)
    {
        Assert.Equal(_root + expected, SecurePath.Join(_root, path));
    }

    [Fact]
    public void Join_RootWithDotDot_IsNormalised()
    {
        var messy = Path.Combine(_root, "x", "..");

        Assert.Equal(_root + "/etc", SecurePath.Join(messy, "/etc"));
    }

    [Fact]
    public void Join_AbsoluteSymlink_ResolvesInsideRootNotOnHost()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "a"), "/etc");

        Assert.Equal(_root + "/etc/passwd", SecurePath.Join(_root, "/a/passwd"));
        Assert.Equal(_root + "/etc", SecurePath.Join(_root, "/a"));
    }

    [Fact]
    public void Join_SymlinkClimbingWithDotDot_StopsAtRoot()
    {
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        File.CreateSymbolicLink(Path.Combine(_root, "sub", "up"), "../../../../../..");

        Assert.Equal(_root + "/etc", SecurePath.Join(_root, "/sub/up/etc"));
    }

    [Fact]
    public void Join_RelativeSymlinkChain_FollowsEveryLink()
    {
        Directory.CreateDirectory(Path.Combine(_root, "z", "w"));
        Directory.CreateDirectory(Path.Combine(_root, "d"));
        File.CreateSymbolicLink(Path.Combine(_root, "x"), "y");
        File.CreateSymbolicLink(Path.Combine(_root, "y"), "d/../z/link");
        File.CreateSymbolicLink(Path.Combine(_root, "z", "link"), "w");

        Assert.Equal(_root + "/z/w/file", SecurePath.Join(_root, "/x/file"));
    }

    [Fact]
    public void Join_DotDotAfterSymlink_AppliesToTheLinkTarget()
    {
        Directory.CreateDirectory(Path.Combine(_root, "b", "c"));
        File.CreateSymbolicLink(Path.Combine(_root, "a"), "b/c");

        Assert.Equal(_root + "/b/x", SecurePath.Join(_root, "/a/../x"));
    }

    [Fact]
    public void Join_DanglingSymlinkAtEnd_ResolvesToItsTargetInsideRoot()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "dangling"), "/no/such/dir");

        Assert.Equal(_root + "/no/such/dir", SecurePath.Join(_root, "/dangling"));
    }

    [Fact]
    public void Join_SymlinkLoop_ThrowsRuntimeException()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "l1"), "l2");
        File.CreateSymbolicLink(Path.Combine(_root, "l2"), "/l1");

        var e = Assert.Throws<RuntimeException>(() => SecurePath.Join(_root, "/l1/x"));

        Assert.Contains("too many levels of symbolic links", e.Message, StringComparison.Ordinal);
        Assert.Contains("/l1/x", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Join_SelfLoop_ThrowsRuntimeException()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "self"), "self");

        Assert.Throws<RuntimeException>(() => SecurePath.Join(_root, "self"));
    }

    [Fact]
    public void Join_MissingComponents_KeptLiterally()
    {
        Directory.CreateDirectory(Path.Combine(_root, "exists"));

        Assert.Equal(_root + "/exists/missing/deeper", SecurePath.Join(_root, "/exists/missing/deeper"));
    }

    [Fact]
    public void Join_ComponentBelowARegularFile_KeptLiterally()
    {
        File.WriteAllText(Path.Combine(_root, "file"), "");

        Assert.Equal(_root + "/file/x", SecurePath.Join(_root, "/file/x"));
    }
}
