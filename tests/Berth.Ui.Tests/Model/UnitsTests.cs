using Berth.Ui.Model;

namespace Berth.Ui.Tests.Model;

public sealed class UnitsTests
{
    [Theory]
    [InlineData(null, "unlimited")]
    [InlineData(0L, "0 B")]
    [InlineData(1023L, "1023 B")]
    [InlineData(1024L, "1 KiB")]
    [InlineData(1536L, "1.5 KiB")]
    [InlineData(64L * 1048576, "64 MiB")]
    [InlineData(3L << 30, "3 GiB")]
    [InlineData(5L << 50, "5120 TiB")]
    public void Bytes_Sizes_BinaryUnits(long? bytes, string expected)
    {
        Assert.Equal(expected, Units.Bytes(bytes));
    }

    [Fact]
    public void Rate_BytesPerSecond_PerSecondSuffix()
    {
        Assert.Equal("2 KiB/s", Units.Rate(2048.7));
    }

    [Theory]
    [InlineData(12.34, "12.3 %")]
    [InlineData(0, "0 %")]
    [InlineData(200, "200 %")]
    public void Percent_Value_OneDecimal(double value, string expected)
    {
        Assert.Equal(expected, Units.Percent(value));
    }

    [Theory]
    [InlineData(null, "unlimited")]
    [InlineData(0.5, "0.5")]
    [InlineData(2.0, "2")]
    [InlineData(1.234, "1.23")]
    public void Cpus_Value_UpToTwoDecimals(double? cpus, string expected)
    {
        Assert.Equal(expected, Units.Cpus(cpus));
    }

    [Theory]
    [InlineData(59, "59 s")]
    [InlineData(61, "1 min 1 s")]
    [InlineData(3 * 3600 + 120, "3 h 2 min")]
    [InlineData(2 * 86400 + 5 * 3600, "2 d 5 h")]
    public void Duration_Span_TwoLargestUnits(int seconds, string expected)
    {
        Assert.Equal(expected, Units.Duration(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Time_Null_Dash()
    {
        Assert.Equal("—", Units.Time(null));
    }

    [Theory]
    [InlineData("running", MudBlazor.Color.Success)]
    [InlineData("failed", MudBlazor.Color.Error)]
    [InlineData("restarting", MudBlazor.Color.Info)]
    [InlineData("exited", MudBlazor.Color.Default)]
    [InlineData("weird", MudBlazor.Color.Secondary)]
    public void StateColor_State_Colour(string state, MudBlazor.Color expected)
    {
        Assert.Equal(expected, Units.StateColor(state));
    }
}
