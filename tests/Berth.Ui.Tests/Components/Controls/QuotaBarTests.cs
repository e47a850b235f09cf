using Berth.Ui.Components.Controls;
using Berth.Ui.Tests.Fakes;

namespace Berth.Ui.Tests.Components.Controls;

public sealed class QuotaBarTests : UiTestContext
{
    [Fact]
    public void Render_WithMax_ShowsUsedOfMaxAndBar()
    {
        var cut = Render<QuotaBar>(p => p.Add(x => x.Label, "CPUs").Add(x => x.Used, 1.5).Add(x => x.Max, 4));

        Assert.Contains("CPUs", cut.Markup);
        Assert.Contains("1.5 / 4", cut.Markup);
        var bar = cut.Find(".mud-progress-linear");
        Assert.Contains("mud-progress-linear-color-primary", bar.ClassName);
        Assert.Equal("37.5", bar.GetAttribute("aria-valuenow"));
    }

    [Fact]
    public void Render_UsedReachesMax_BarInErrorColour()
    {
        var cut = Render<QuotaBar>(p => p.Add(x => x.Label, "Containers").Add(x => x.Used, 5).Add(x => x.Max, 5));

        Assert.Contains("mud-progress-linear-color-error", cut.Find(".mud-progress-linear").ClassName);
        Assert.Contains("5 / 5", cut.Markup);
    }

    [Fact]
    public void Render_Unlimited_UseOnlyWithoutBar()
    {
        var cut = Render<QuotaBar>(p => p.Add(x => x.Label, "Processes").Add(x => x.Used, 12).Add(x => x.Max, null));

        Assert.Contains("12 (unlimited)", cut.Markup);
        Assert.Empty(cut.FindAll(".mud-progress-linear"));
    }

    [Fact]
    public void Render_Bytes_WrittenInBinaryUnits()
    {
        var cut = Render<QuotaBar>(p => p.Add(x => x.Label, "Memory").Add(x => x.Used, 64.0 * 1048576).Add(x => x.Max, 1024.0 * 1048576).Add(x => x.Bytes, true));

        Assert.Contains("64 MiB / 1 GiB", cut.Markup);
    }
}
