using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Berth.Data.Configurations;

internal sealed class TeamConfiguration : IEntityTypeConfiguration<Team>
{
    public void Configure(EntityTypeBuilder<Team> b)
    {
        b.ToTable("teams");
        b.Property(t => t.Name).HasMaxLength(64);
        b.HasIndex(t => t.Name).IsUnique();
        b.HasOne(t => t.Quota).WithOne().HasForeignKey<Quota>(q => q.TeamId).OnDelete(DeleteBehavior.Cascade);
    }
}
