using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Berth.Data.Configurations;

internal sealed class NodeImageConfiguration : IEntityTypeConfiguration<NodeImage>
{
    public void Configure(EntityTypeBuilder<NodeImage> b)
    {
        b.ToTable("node_images");
        b.HasKey(i => new { i.NodeId, i.Reference });
    }
}
