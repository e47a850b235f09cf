using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.Data;

/// <summary>The control plane's database: one configuration class per entity under <c>Configurations/</c>.</summary>
public sealed class BerthDbContext(DbContextOptions<BerthDbContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    public DbSet<Team> Teams => Set<Team>();

    public DbSet<Membership> Memberships => Set<Membership>();

    public DbSet<Quota> Quotas => Set<Quota>();

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    public DbSet<Node> Nodes => Set<Node>();

    public DbSet<NodeImage> NodeImages => Set<NodeImage>();

    public DbSet<Template> Templates => Set<Template>();

    public DbSet<Container> Containers => Set<Container>();

    public DbSet<Run> Runs => Set<Run>();

    public DbSet<ContainerEvent> Events => Set<ContainerEvent>();

    public DbSet<UsageSample> UsageSamples => Set<UsageSample>();

    public DbSet<UsageRollup> UsageRollups => Set<UsageRollup>();

    public DbSet<AuditEntry> Audit => Set<AuditEntry>();

    public DbSet<TeamNetwork> TeamNetworks => Set<TeamNetwork>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(BerthDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        // Enums as their names: readable in psql and stable when members are added.
        configurationBuilder.Properties<GlobalRole>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<TeamRole>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<DesiredState>().HaveConversion<string>().HaveMaxLength(16);
    }
}
