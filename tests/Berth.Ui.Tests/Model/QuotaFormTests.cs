using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Teams;
using Berth.Ui.Model;

namespace Berth.Ui.Tests.Model;

public sealed class QuotaFormTests
{
    private static QuotaView Quota(long? memory, uint? version = 4)
        => new(Guid.NewGuid(), "alpha", 10, 2.5, memory, null, new QuotaUse(1, 0.5, 0, 3), version);

    [Fact]
    public void From_Quota_LimitsInMiBAndVersion()
    {
        var form = QuotaForm.From(Quota(1L << 30));

        Assert.Equal(10, form.MaxContainers);
        Assert.Equal(2.5, form.MaxCpus);
        Assert.Equal(1024, form.MaxMemoryMiB);
        Assert.Null(form.MaxPids);
        Assert.Equal(4u, form.Version);
    }

    [Fact]
    public void ToRequest_Edited_SendsBytesAndTheVersionRead()
    {
        var form = QuotaForm.From(Quota(null));
        form.MaxMemoryMiB = 512;
        form.MaxContainers = null;

        var r = form.ToRequest();

        Assert.Equal(512L << 20, r.MaxMemoryBytes);
        Assert.Null(r.MaxContainers);
        Assert.Equal(2.5, r.MaxCpus);
        Assert.Equal(4u, r.Version);
    }

    [Fact]
    public void ToRequest_MemoryNotInWholeMiBUntouched_KeepsTheExactBytes()
    {
        Assert.Equal(1_000_000_000, QuotaForm.From(Quota(1_000_000_000)).ToRequest().MaxMemoryBytes);
    }

    [Fact]
    public void ToRequest_NoQuotaYet_NoVersion()
    {
        Assert.Null(QuotaForm.From(Quota(null, null)).ToRequest().Version);
    }

    [Fact]
    public void Validate_Negative_OneErrorEach()
    {
        var form = new QuotaForm { MaxContainers = -1, MaxCpus = -0.5, MaxMemoryMiB = -1, MaxPids = -2 };

        Assert.Equal(4, form.Validate().Count);
        Assert.Empty(new QuotaForm().Validate());
    }
}
