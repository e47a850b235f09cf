using Berth.Ui.Model;

namespace Berth.Ui.Tests.Model;

public sealed class ImageIdsTests
{
    [Theory]
    [InlineData("sha256:3281fbefb998eab6da40aa41a8064effc8b3c389c36a9b430507eac1927b", "3281fbefb998")]
    [InlineData("3281fbefb998eab6", "3281fbefb998")]
    [InlineData("sha256:abc", "abc")]
    [InlineData("", "")]
    public void Short_First12HexDigits(string digest, string expected) => Assert.Equal(expected, ImageIds.Short(digest));
}
