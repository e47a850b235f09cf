namespace Berth.Ui.Model;

/// <summary>One of the signed-in user's API tokens as the tokens page shows it (never its text, which only its creation returns).</summary>
public sealed record ApiTokenRow(Guid Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    /// <summary><c>revoked</c>, <c>expired</c> (at <paramref name="now"/>) or <c>active</c>.</summary>
    public string Status(DateTimeOffset now) => RevokedAt is not null ? "revoked" : ExpiresAt <= now ? "expired" : "active";
}
