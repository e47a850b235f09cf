using Berth.ControlPlane.Audit;
using Berth.Ui.Model;

namespace Berth.Ui.Tests.Model;

public sealed class AuditFormTests
{
    [Fact]
    public void ToFilter_FieldsDaysAndPage_AsTheApiTakesThem()
    {
        var form = new AuditForm { Actor = " ada ", Action = "container.*", Team = "blue", Outcome = "denied", From = new DateTime(2026, 11, 1), To = new DateTime(2026, 11, 1) };

        var f = form.ToFilter(before: 42);

        Assert.Equal(("ada", "container.*", "blue", "denied", 42L), (f.Actor, f.Action, f.Team, f.Outcome, f.Before));
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), f.From);
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero), f.To);
    }

    [Fact]
    public void ToFilter_Empty_NothingFiltered()
    {
        Assert.Equal(new AuditFilter(), new AuditForm { Actor = "  " }.ToFilter());
    }

    [Fact]
    public void CsvHref_Filter_SameFilterWithoutPage()
    {
        var form = new AuditForm { Action = "container.*", Outcome = "allowed", To = new DateTime(2026, 11, 1) };

        Assert.Equal("/api/v1/audit.csv?action=container.%2A&outcome=allowed&to=2026-11-02T00%3A00%3A00%2B00%3A00", form.CsvHref());
    }

    [Fact]
    public void VerificationText_Valid_SaysIntactWithCount()
    {
        Assert.Equal("Chain intact: 12 entries checked.", AuditForm.VerificationText(new AuditVerification(true, 12, null, null, null)));
    }

    [Fact]
    public void VerificationText_Broken_SaysWhereAndWhy()
    {
        Assert.Equal("Chain broken at entry 7: hash mismatch (6 entries checked).",
            AuditForm.VerificationText(new AuditVerification(false, 6, 7, "hash mismatch", null)));
    }
}
