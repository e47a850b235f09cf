using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.ControlPlane.Security;

/// <summary>Builds a <see cref="Caller"/> from a signed-in user's id: reads their role and memberships afresh, so revoked rights apply at once.</summary>
public sealed class CallerFactory(IDbContextFactory<BerthDbContext> dbFactory)
{
    /// <summary>The caller for user <paramref name="userId"/>, or null when the user is gone or disabled.</summary>
    public async Task<Caller?> ForUserAsync(Guid userId, string? remoteAddress, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId && !u.Disabled)
            .Select(u => new { u.Id, u.Username, u.Role, Teams = u.Memberships.Select(m => new { m.TeamId, m.Role, m.Team!.Name }).ToList() })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (user is null) return null;
        return new Caller(user.Id, user.Username, user.Role, user.Teams.ToDictionary(t => t.TeamId, t => t.Role), remoteAddress)
        {
            TeamNames = user.Teams.ToDictionary(t => t.TeamId, t => t.Name),
        };
    }
}
