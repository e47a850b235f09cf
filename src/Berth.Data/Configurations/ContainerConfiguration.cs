using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Berth.Data.Configurations;

internal sealed class ContainerConfiguration : IEntityTypeConfiguration<Container>
{
    public void Configure(EntityTypeBuilder<Container> b)
    {
        b.ToTable("containers");
        b.Property(c => c.Name).HasMaxLength(64);
        b.Property(c => c.State).HasMaxLength(16);
        b.Property(c => c.Spec).AsJson();
        b.Property(c => c.Version).IsRowVersion();
        // A name is taken within a team until the container is removed.
        b.HasIndex(c => new { c.TeamId, c.Name }).IsUnique().HasFilter("\"RemovedAt\" IS NULL");
        b.HasIndex(c => c.EngineId);
        b.HasIndex(c => new { c.NodeId, c.State });
        // The dashboards' counts per team and state, every second while containers change: read from the index alone
        // however long the history of removed containers grows. Made concurrently, as every index added to a table
        // that may already be large: launches go on while it is built.
        b.HasIndex(c => new { c.TeamId, c.State }).HasFilter("\"RemovedAt\" IS NULL").HasDatabaseName("IX_containers_TeamId_State_Live").IsCreatedConcurrently();
        // The supervisor's time-to-live check, every second: only the few containers with a time to live running.
        b.HasIndex(c => new { c.NodeId, c.ExpiresAt }).HasFilter("\"ExpiresAt\" IS NOT NULL");
        b.HasOne(c => c.Team).WithMany().HasForeignKey(c => c.TeamId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(c => c.Owner).WithMany().HasForeignKey(c => c.OwnerId).OnDelete(DeleteBehavior.Restrict);
    }
}
