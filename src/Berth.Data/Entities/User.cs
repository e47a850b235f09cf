namespace Berth.Data.Entities;

/// <summary>A person (or robot) who signs in. Global roles apply across teams; team roles come from <see cref="Memberships"/>.</summary>
public sealed class User
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public required string Username { get; set; }

    /// <summary>ASP.NET Core Identity's PBKDF2 hash format.</summary>
    public required string PasswordHash { get; set; }

    public GlobalRole Role { get; set; }

    public bool Disabled { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    public List<Membership> Memberships { get; set; } = [];

    /// <summary>Concurrency token (PostgreSQL's xmin).</summary>
    public uint Version { get; set; }
}
