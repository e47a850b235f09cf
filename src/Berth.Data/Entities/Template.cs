namespace Berth.Data.Entities;

/// <summary>A saved container definition a team launches from.</summary>
public sealed class Template
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid TeamId { get; set; }

    public required string Name { get; set; }

    public string Description { get; set; } = "";

    public required ContainerSpec Spec { get; set; }

    public Guid CreatedById { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>Concurrency token (PostgreSQL's xmin).</summary>
    public uint Version { get; set; }
}
