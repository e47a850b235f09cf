using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Berth.Data.Configurations;

internal sealed class RunConfiguration : IEntityTypeConfiguration<Run>
{
    public void Configure(EntityTypeBuilder<Run> b)
    {
        b.ToTable("runs");
        b.HasIndex(r => new { r.ContainerId, r.StartedAt });
        b.HasIndex(r => new { r.TeamId, r.StartedAt });
        b.HasOne<Container>().WithMany().HasForeignKey(r => r.ContainerId).OnDelete(DeleteBehavior.Cascade);
    }
}
