using Berth.ControlPlane.Usage;
using Berth.Ui.Model;
using Berth.Ui.Tests.Fakes;

namespace Berth.Ui.Tests.Model;

public sealed class UsageViewModelTests
{
    [Theory]
    [InlineData("24h", 1)]
    [InlineData("7d", 7)]
    [InlineData("30d", 30)]
    public void Period_Preset_EndsNow(string range, int days)
    {
        var vm = new UsageViewModel { Range = range };

        Assert.Equal((Samples.T0.AddDays(-days), Samples.T0), vm.Period(Samples.T0));
    }

    [Fact]
    public void Period_CustomDays_WholeUtcDays()
    {
        var vm = new UsageViewModel { Range = UsageViewModel.Custom, From = new DateTime(2026, 10, 1), To = new DateTime(2026, 10, 31) };

        Assert.Equal((new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero)), vm.Period(Samples.T0));
    }

    [Fact]
    public void Period_CustomWithoutLastDay_NoneAndNoCsv()
    {
        var vm = new UsageViewModel { Range = UsageViewModel.Custom, From = new DateTime(2026, 10, 1) };

        Assert.Null(vm.Period(Samples.T0));
        Assert.Null(vm.CsvHref(Samples.T0));
    }

    [Fact]
    public void CsvHref_ByUser_GroupingAndPeriod()
    {
        var vm = new UsageViewModel { By = UsageGrouping.User, Range = "24h" };

        Assert.Equal("/api/v1/usage.csv?by=user&from=2026-10-31T12%3A00%3A00%2B00%3A00&to=2026-11-01T12%3A00%3A00%2B00%3A00", vm.CsvHref(Samples.T0));
    }

    [Fact]
    public void Load_Rows_LabelsAndThreeSeries()
    {
        var vm = new UsageViewModel();

        vm.Load([new UsageRow(Guid.NewGuid(), "blue", null, "blue", 1.5, 2.25, 3, 0, 0), new UsageRow(Guid.NewGuid(), "red", null, "red", 0.1234, 0, 1, 0, 0)]);

        Assert.Equal(["blue", "red"], vm.Labels);
        Assert.Equal(["CPU-hours", "GB-hours", "container-hours"], vm.Series.Select(s => s.Name));
        Assert.Equal([1.5, 0.123], vm.Series[0].Data.Values);
        Assert.Equal([3.0, 1.0], vm.Series[2].Data.Values);
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(1.23456, "1.235")]
    [InlineData(12, "12")]
    public void Hours_Value_AtMostThreeDecimals(double hours, string expected)
    {
        Assert.Equal(expected, UsageViewModel.Hours(hours));
    }
}
