using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Berth.Data.Configurations;

internal sealed class NodeConfiguration : IEntityTypeConfiguration<Node>
{
    public void Configure(EntityTypeBuilder<Node> b)
    {
        b.ToTable("nodes");
        b.Property(n => n.Id).HasMaxLength(64);
        b.Property(n => n.Version).IsRowVersion();
    }
}
