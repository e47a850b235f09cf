using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Berth.Data.Configurations;

internal sealed class ContainerEventConfiguration : IEntityTypeConfiguration<ContainerEvent>
{
    public void Configure(EntityTypeBuilder<ContainerEvent> b)
    {
        b.ToTable("events");
        b.Property(e => e.Action).HasMaxLength(32);
        b.HasIndex(e => new { e.ContainerId, e.Id });
        b.HasIndex(e => e.Time);
    }
}
