using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Berth.Data.Configurations;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.ToTable("audit");
        // Assigned by the audit writer under a lock, never by a sequence: gaps would hide deletions.
        b.Property(a => a.Id).ValueGeneratedNever();
        b.Property(a => a.Hash).HasMaxLength(64);
        b.Property(a => a.PreviousHash).HasMaxLength(64);
        b.HasIndex(a => a.Time);
        b.HasIndex(a => new { a.TeamId, a.Id });
    }
}
