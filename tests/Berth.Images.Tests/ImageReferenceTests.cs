namespace Berth.Images.Tests;

public sealed class ImageReferenceTests
{
    private const string Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Theory]
    [InlineData("busybox", "docker.io", "library/busybox", "latest", "busybox:latest")]
    [InlineData("busybox:1.36", "docker.io", "library/busybox", "1.36", "busybox:1.36")]
    [InlineData("library/busybox", "docker.io", "library/busybox", "latest", "busybox:latest")]
    [InlineData("docker.io/busybox", "docker.io", "library/busybox", "latest", "busybox:latest")]
    [InlineData("index.docker.io/library/busybox", "docker.io", "library/busybox", "latest", "busybox:latest")]
    [InlineData("someone/tool:v2", "docker.io", "someone/tool", "v2", "someone/tool:v2")]
    [InlineData("127.0.0.1:5000/team/app", "127.0.0.1:5000", "team/app", "latest", "127.0.0.1:5000/team/app:latest")]
    [InlineData("localhost/app:dev", "localhost", "app", "dev", "localhost/app:dev")]
    [InlineData("localhost:5000/a/b/c:1.0-rc_1", "localhost:5000", "a/b/c", "1.0-rc_1", "localhost:5000/a/b/c:1.0-rc_1")]
    [InlineData("ghcr.io/org/my-image__x.y", "ghcr.io", "org/my-image__x.y", "latest", "ghcr.io/org/my-image__x.y:latest")]
    [InlineData("[::1]:5000/app", "[::1]:5000", "app", "latest", "[::1]:5000/app:latest")]
    [InlineData("localhost:5000", "docker.io", "library/localhost", "5000", "localhost:5000")]
    public void Parse_DockerStyle_Normalised(string text, string domain, string path, string tag, string familiar)
    {
        var r = ImageReference.Parse(text);

        Assert.Equal(domain, r.Domain);
        Assert.Equal(path, r.Path);
        Assert.Equal(tag, r.Tag);
        Assert.Null(r.Digest);
        Assert.Equal(familiar, r.Familiar);
        Assert.Equal($"{domain}/{path}:{tag}", r.ToString());
    }

    [Fact]
    public void Parse_DigestOnly_HasNoTag()
    {
        var r = ImageReference.Parse($"busybox@sha256:{Hex}");

        Assert.Null(r.Tag);
        Assert.Equal("sha256:" + Hex, r.Digest.ToString());
        Assert.Equal($"docker.io/library/busybox@sha256:{Hex}", r.ToString());
    }

    [Fact]
    public void Parse_TagAndDigest_KeepsBoth()
    {
        var r = ImageReference.Parse($"127.0.0.1:5000/app:1.2@sha256:{Hex}");

        Assert.Equal("1.2", r.Tag);
        Assert.Equal("sha256:" + Hex, r.Digest.ToString());
        Assert.Equal(r, ImageReference.Parse(r.ToString()));
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("Busybox", "must be lowercase")]
    [InlineData("busybox:", "tag \"\" is invalid")]
    [InlineData("busybox:-x", "tag \"-x\" is invalid")]
    [InlineData("busybox:a/b", "is not a host name")]
    [InlineData("busybox@sha256:abc", "is not a sha256 digest")]
    [InlineData("busybox@md5:abc", "is not a sha256 digest")]
    [InlineData("a//b", "is not a valid repository name component")]
    [InlineData("a/b/", "is not a valid repository name component")]
    [InlineData("a..b", "is not a valid repository name component")]
    [InlineData("a-", "is not a valid repository name component")]
    [InlineData("_a", "is not a valid repository name component")]
    [InlineData("a b", "is not a valid repository name component")]
    [InlineData("bad_host.io:99999/app", "is not a host name")]
    [InlineData("-bad.io/app", "is not a host name")]
    [InlineData("host.io/", "the repository name is empty")]
    [InlineData("localhost/", "the repository name is empty")]
    public void Parse_Invalid_RefusedNamingThePart(string text, string expected)
    {
        var e = Assert.Throws<ImageException>(() => ImageReference.Parse(text));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith($"invalid image reference \"{text}\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TooLong_Refused()
    {
        var longPath = string.Join('/', Enumerable.Repeat(new string('a', 50), 6));

        var e = Assert.Throws<ImageException>(() => ImageReference.Parse(longPath));

        Assert.Contains("longer than 255", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TagOf128_AcceptedAnd129Refused()
    {
        Assert.Equal(128, ImageReference.Parse("a:" + new string('t', 128)).Tag!.Length);
        Assert.Throws<ImageException>(() => ImageReference.Parse("a:" + new string('t', 129)));
    }

    [Fact]
    public void WithTag_ReplacesTagAndDropsDigest()
    {
        var r = ImageReference.Parse($"busybox:1@sha256:{Hex}").WithTag("2");

        Assert.Equal("docker.io/library/busybox:2", r.ToString());
    }
}
