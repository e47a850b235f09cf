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
        // A container's open run, asked for at each start and exit: one entry per container, however many runs it had.
        b.HasIndex(r => r.ContainerId).HasFilter("\"EndedAt\" IS NULL").HasDatabaseName("IX_runs_ContainerId_Open");
        b.HasIndex(r => new { r.TeamId, r.StartedAt });
        b.HasOne<Container>().WithMany().HasForeignKey(r => r.ContainerId).OnDelete(DeleteBehavior.Cascade);
    }
}
