namespace Berth.Data.Entities;

/// <summary>A group of users who share containers, templates and a quota.</summary>
public sealed class Team
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public required string Name { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    public List<Membership> Memberships { get; set; } = [];

    public Quota? Quota { get; set; }
}
