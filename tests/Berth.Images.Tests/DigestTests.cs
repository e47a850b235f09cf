using System.Text;

namespace Berth.Images.Tests;

public sealed class DigestTests
{
    private const string EmptySha256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Fact]
    public void Of_EmptyInput_IsTheWellKnownSha256()
    {
        Assert.Equal(EmptySha256, Digest.Of([]).ToString());
    }

    [Fact]
    public void Parse_ItsOwnText_RoundTrips()
    {
        var d = Digest.Of(Encoding.UTF8.GetBytes("berth"));

        Assert.Equal(d, Digest.Parse(d.ToString()));
        Assert.Equal("sha256", d.Algorithm);
        Assert.Equal(64, d.Hex.Length);
    }

    [Theory]
    [InlineData("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "of the form sha256:")]
    [InlineData("sha256:e3b0", "of the form sha256:")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "of the form sha256:")]
    [InlineData("sha512:00", "only sha256 digests are supported")]
    [InlineData("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g", "of the form sha256:")]
    [InlineData("sha256:../../../../etc/passwd/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "of the form sha256:")]
    public void Parse_NotASha256Digest_RefusedWithReason(string text, string expected)
    {
        var e = Assert.Throws<ImageException>(() => Digest.Parse(text));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.False(Digest.TryParse(text, out _));
    }
}
