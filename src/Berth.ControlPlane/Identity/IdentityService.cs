using System.Security.Cryptography;
using Berth.ControlPlane.Audit;
using Berth.ControlPlane.Security;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Berth.ControlPlane.Identity;

/// <summary>Sign-in, API tokens, and the first admin. Sign-ins and token changes are audited, failures included.</summary>
public sealed class IdentityService(IDbContextFactory<BerthDbContext> dbFactory, AuditLog audit, ILogger<IdentityService> logger)
{
    /// <summary>The user whose name and password match (and who is not disabled); null otherwise. Both outcomes are audited.</summary>
    public async Task<User?> SignInAsync(string username, string password, string? remoteAddress, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Username == username, cancellationToken).ConfigureAwait(false);
        var ok = user is { Disabled: false } && Passwords.Verify(user, password);
        var caller = new Caller(ok ? user!.Id : null, username.Length > 64 ? username[..64] : username, GlobalRole.None, new Dictionary<Guid, TeamRole>(), remoteAddress);
        await audit.WriteAsync(new AuditRecord(caller, "auth.login", "user", user?.Id.ToString(), null, ok ? AuditRecord.Allowed : AuditRecord.Denied), cancellationToken).ConfigureAwait(false);
        return ok ? user : null;
    }

    /// <summary>Issues an API token for the caller; the returned text is the only copy.</summary>
    public async Task<(ApiToken Token, string Text)> CreateTokenAsync(Caller caller, string name, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100) throw ControlPlaneException.Invalid("a token needs a name of 1 to 100 characters");
        if (expiresAt is { } e && e <= DateTimeOffset.UtcNow) throw ControlPlaneException.Invalid("expiresAt is in the past");
        var userId = caller.UserId ?? throw new ControlPlaneException(ProblemKind.Forbidden, "tokens belong to users");
        var text = ApiTokens.New();
        var token = new ApiToken { UserId = userId, Name = name, Hash = ApiTokens.HashOf(text), Prefix = text[..12], ExpiresAt = expiresAt };
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        db.ApiTokens.Add(token);
        var entry = await audit.AppendAsync(db, new AuditRecord(caller, "token.create", "token", token.Id.ToString(), null, AuditRecord.Allowed, name), cancellationToken).ConfigureAwait(false);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        audit.Anchor(entry);
        return (token, text);
    }

    /// <summary>The caller's tokens (never their text).</summary>
    public async Task<IReadOnlyList<ApiToken>> ListTokensAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await db.ApiTokens.AsNoTracking().Where(t => t.UserId == caller.UserId).OrderByDescending(t => t.CreatedAt).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Revokes one of the caller's tokens (an admin may revoke anyone's).</summary>
    public async Task RevokeTokenAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == id, cancellationToken).ConfigureAwait(false);
        if (token is null || token.UserId != caller.UserId && !caller.IsAdmin) throw ControlPlaneException.NotFound($"token {id}");
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        token.RevokedAt ??= DateTimeOffset.UtcNow;
        var entry = await audit.AppendAsync(db, new AuditRecord(caller, "token.revoke", "token", id.ToString(), null, AuditRecord.Allowed, token.Name), cancellationToken).ConfigureAwait(false);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        audit.Anchor(entry);
    }

    /// <summary>
    /// The caller a bearer token stands for, when it is valid (known, not revoked, not expired, user enabled): its
    /// user's role and memberships are read in the same query, so that a request signed with a token costs one.
    /// </summary>
    public async Task<Caller?> CallerForTokenAsync(string text, string? remoteAddress, CancellationToken cancellationToken)
    {
        if (!text.StartsWith(ApiTokens.Prefix, StringComparison.Ordinal) || text.Length > 200) return null;
        var hash = ApiTokens.HashOf(text);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var token = await db.ApiTokens.AsNoTracking().Where(t => t.Hash == hash && t.RevokedAt == null && (t.ExpiresAt == null || t.ExpiresAt > now) && !t.User!.Disabled)
            .Select(t => new { t.Id, t.UserId, t.LastUsedAt, t.User!.Username, t.User.Role, Teams = t.User.Memberships.Select(m => new { m.TeamId, m.Role, m.Team!.Name }).ToList() })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (token is null) return null;
        // Last use to the minute: a write per request would cost more than it tells.
        if (token.LastUsedAt is null || now - token.LastUsedAt > TimeSpan.FromMinutes(1))
            await db.ApiTokens.Where(t => t.Id == token.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), cancellationToken).ConfigureAwait(false);
        return new Caller(token.UserId, token.Username, token.Role, token.Teams.ToDictionary(t => t.TeamId, t => t.Role), remoteAddress)
        {
            TeamNames = token.Teams.ToDictionary(t => t.TeamId, t => t.Name),
        };
    }

    /// <summary>
    /// On first start (no users yet) creates <c>admin</c>, an admin and owner of team <c>default</c>, with
    /// <paramref name="password"/> or a generated one, which is returned so that it is printed once.
    /// </summary>
    public async Task<string?> BootstrapAsync(string? password, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        if (await db.Users.AnyAsync(cancellationToken).ConfigureAwait(false)) return null;
        var generated = password is null;
        password ??= Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', 'x').Replace('/', 'y');
        Passwords.CheckStrength(password);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Two hosts starting at once: only one makes the admin.
        await LockedReads.TakeAsync(db, "bootstrap", cancellationToken).ConfigureAwait(false);
        if (await db.Users.AnyAsync(cancellationToken).ConfigureAwait(false)) return null;
        var admin = new User { Username = "admin", PasswordHash = Passwords.Hash(password), Role = GlobalRole.Admin };
        var team = await db.Teams.FirstOrDefaultAsync(t => t.Name == "default", cancellationToken).ConfigureAwait(false) ?? new Team { Name = "default" };
        db.Users.Add(admin);
        if (db.Entry(team).State == EntityState.Detached) db.Teams.Add(team);
        db.Memberships.Add(new Membership { TeamId = team.Id, UserId = admin.Id, Role = TeamRole.Owner });
        var entry = await audit.AppendAsync(db, new AuditRecord(Caller.System, "user.create", "user", admin.Id.ToString(), team.Id, AuditRecord.Allowed, "first admin"), cancellationToken).ConfigureAwait(false);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        audit.Anchor(entry);
        logger.LogInformation("created user admin (team default)");
        return generated ? password : null;
    }
}
