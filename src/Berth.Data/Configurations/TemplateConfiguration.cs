using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Berth.Data.Configurations;

internal sealed class TemplateConfiguration : IEntityTypeConfiguration<Template>
{
    public void Configure(EntityTypeBuilder<Template> b)
    {
        b.ToTable("templates");
        b.Property(t => t.Name).HasMaxLength(64);
        b.Property(t => t.Spec).AsJson();
        b.Property(t => t.Version).IsRowVersion();
        b.HasIndex(t => new { t.TeamId, t.Name }).IsUnique();
        b.HasOne<Team>().WithMany().HasForeignKey(t => t.TeamId).OnDelete(DeleteBehavior.Cascade);
    }
}
