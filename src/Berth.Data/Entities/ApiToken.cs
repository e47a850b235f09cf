namespace Berth.Data.Entities;

/// <summary>A bearer token for the API. Only its SHA-256 hash is kept; the token itself is shown once.</summary>
public sealed class ApiToken
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public User? User { get; set; }

    public required string Name { get; set; }

    /// <summary>SHA-256 of the whole token, lower-case hex.</summary>
    public required string Hash { get; set; }

    /// <summary>The token's first characters, to tell tokens apart in lists.</summary>
    public required string Prefix { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
