using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Berth.Data.Configurations;

internal sealed class TeamNetworkConfiguration : IEntityTypeConfiguration<TeamNetwork>
{
    public void Configure(EntityTypeBuilder<TeamNetwork> b)
    {
        b.ToTable("team_networks");
        b.Property(n => n.NodeId).HasMaxLength(64);
        b.Property(n => n.Name).HasMaxLength(64);
        b.Property(n => n.NetworkId).HasMaxLength(64);
        b.Property(n => n.Bridge).HasMaxLength(15);
        b.Property(n => n.Subnet).HasMaxLength(18);
        b.Property(n => n.Gateway).HasMaxLength(15);
        // One network per team and node; a network's name is taken once per node.
        b.HasIndex(n => new { n.TeamId, n.NodeId }).IsUnique();
        b.HasIndex(n => new { n.NodeId, n.Name }).IsUnique();
        b.HasOne<Team>().WithMany().HasForeignKey(n => n.TeamId).OnDelete(DeleteBehavior.Cascade);
    }
}
