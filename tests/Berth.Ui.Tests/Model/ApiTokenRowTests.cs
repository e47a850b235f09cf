using Berth.Ui.Model;

namespace Berth.Ui.Tests.Model;

public sealed class ApiTokenRowTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(null, null, "active")]
    [InlineData(1.0, null, "active")]
    [InlineData(-1.0, null, "expired")]
    [InlineData(0.0, null, "expired")]
    [InlineData(null, -2.0, "revoked")]
    [InlineData(-1.0, -2.0, "revoked")]
    public void Status_ByExpiryAndRevocation(double? expiresInDays, double? revokedDaysAgo, string expected)
    {
        var row = new ApiTokenRow(Guid.NewGuid(), "t", "berth_abcdef", Now.AddDays(-10), expiresInDays is { } e ? Now.AddDays(e) : null, null,
            revokedDaysAgo is { } r ? Now.AddDays(r) : null);

        Assert.Equal(expected, row.Status(Now));
    }
}
