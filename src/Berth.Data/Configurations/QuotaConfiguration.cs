using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Berth.Data.Configurations;

internal sealed class QuotaConfiguration : IEntityTypeConfiguration<Quota>
{
    public void Configure(EntityTypeBuilder<Quota> b)
    {
        b.ToTable("quotas");
        b.HasKey(q => q.TeamId);
        b.Property(q => q.Version).IsRowVersion();
    }
}
