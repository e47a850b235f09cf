namespace Berth.Data.Entities;

/// <summary>A user's role in a team.</summary>
public sealed class Membership
{
    public Guid TeamId { get; set; }

    public Team? Team { get; set; }

    public Guid UserId { get; set; }

    public User? User { get; set; }

    public TeamRole Role { get; set; }
}
