using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Berth.Data.Configurations;

internal sealed class UsageSampleConfiguration : IEntityTypeConfiguration<UsageSample>
{
    public void Configure(EntityTypeBuilder<UsageSample> b)
    {
        b.ToTable("usage_samples");
        b.HasIndex(s => new { s.ContainerId, s.Time });
        b.HasIndex(s => s.Time);
    }
}
