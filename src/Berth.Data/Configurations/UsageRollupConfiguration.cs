using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Berth.Data.Configurations;

internal sealed class UsageRollupConfiguration : IEntityTypeConfiguration<UsageRollup>
{
    public void Configure(EntityTypeBuilder<UsageRollup> b)
    {
        b.ToTable("usage_rollups");
        b.HasKey(r => new { r.ContainerId, r.Hour });
        b.HasIndex(r => new { r.TeamId, r.Hour });
        b.HasIndex(r => new { r.UserId, r.Hour });
    }
}
