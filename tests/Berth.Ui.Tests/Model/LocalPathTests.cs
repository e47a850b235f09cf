using Berth.Ui.Model;

namespace Berth.Ui.Tests.Model;

public sealed class LocalPathTests
{
    [Theory]
    [InlineData("/containers/x")]
    [InlineData("/")]
    [InlineData("/launch?team=a")]
    public void Or_LocalPath_KeepsIt(string url)
    {
        Assert.Equal(url, LocalPath.Or(url, "/"));
    }

    [Theory]
    [InlineData("//evil")]
    [InlineData("/\\evil")]
    [InlineData("http://x")]
    [InlineData("https://evil.example/containers")]
    [InlineData("containers/x")]
    [InlineData("/containers\n/x")]
    [InlineData("/a\u0000b")]
    [InlineData("")]
    [InlineData(null)]
    public void Or_NotLocal_GivesFallback(string? url)
    {
        Assert.Equal("/home", LocalPath.Or(url, "/home"));
    }
}
