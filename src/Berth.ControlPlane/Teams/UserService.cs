using Berth.ControlPlane.Audit;
using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Identity;
using Berth.ControlPlane.Security;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.ControlPlane.Teams;

/// <summary>
/// Users: admins create them, disable and enable them, set their global role and reset their passwords; admins and
/// auditors read them; every user reads themself and changes their own password with the old one.
/// </summary>
public sealed class UserService(IDbContextFactory<BerthDbContext> dbFactory, AuditLog audit, Guard guard)
{
    /// <summary>Every user, by name (admins and auditors).</summary>
    /// <exception cref="ControlPlaneException">Neither admin nor auditor (forbidden, audited).</exception>
    public async Task<IReadOnlyList<UserView>> ListAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await guard.DemandAsync(caller.ReadsEverything, caller, "user.list", "user", null, null, hidden: false, cancellationToken).ConfigureAwait(false);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await Views(db.Users.AsNoTracking().OrderBy(u => u.Username), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One user: any for admins and auditors, only themself for others.</summary>
    /// <exception cref="ControlPlaneException">No such user, or one the caller may not see (the same answer).</exception>
    public async Task<UserView> GetAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.ReadsEverything && caller.UserId != id) throw ControlPlaneException.NotFound($"user {id}");
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var found = await Views(db.Users.AsNoTracking().Where(u => u.Id == id), cancellationToken).ConfigureAwait(false);
        return found.Count == 1 ? found[0] : throw ControlPlaneException.NotFound($"user {id}");
    }

    /// <summary>Creates a user (admins only).</summary>
    /// <exception cref="ControlPlaneException">A bad name, password or role (invalid), not an admin (forbidden), or the name is taken (conflict).</exception>
    public async Task<UserView> CreateAsync(Caller caller, CreateUserRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        var username = request.Username ?? throw ControlPlaneException.Invalid("username is required");
        SpecValidator.CheckName(username, "username");
        Passwords.CheckStrength(request.Password);
        var role = RoleNames.ParseGlobalRole(request.Role ?? "none");
        await guard.DemandAsync(caller.IsAdmin, caller, "user.create", "user", username, null, hidden: false, cancellationToken).ConfigureAwait(false);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var taken = $"a user named {username} exists";
        if (await db.Users.AnyAsync(u => u.Username == username, cancellationToken).ConfigureAwait(false)) throw ControlPlaneException.Conflict(taken);
        var user = new User { Username = username, PasswordHash = Passwords.Hash(request.Password!), Role = role };
        db.Users.Add(user);
        await audit.CommitAsync(db, new AuditRecord(caller, "user.create", "user", user.Id.ToString(), null, AuditRecord.Allowed,
            $"{username} ({RoleNames.Of(role)})"), cancellationToken, taken).ConfigureAwait(false);
        return await GetAsync(caller, user.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Disables or enables a user, sets their global role, or resets their password (admins only). The last enabled
    /// admin cannot be disabled or lose the role, so that someone can still manage the platform.
    /// </summary>
    /// <exception cref="ControlPlaneException">A bad role or password, or nothing to change (invalid); not found; not an admin (forbidden); the last admin, or changed since <see cref="UpdateUserRequest.Version"/> (conflict).</exception>
    public async Task<UserView> UpdateAsync(Caller caller, Guid id, UpdateUserRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Disabled is null && request.Role is null && request.Password is null)
            throw ControlPlaneException.Invalid("nothing to change: give disabled, role or password");
        GlobalRole? role = request.Role is null ? null : RoleNames.ParseGlobalRole(request.Role);
        if (request.Password is not null) Passwords.CheckStrength(request.Password);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await guard.DemandAsync(caller.IsAdmin, caller, "user.update", "user", id.ToString(), null, hidden: !caller.ReadsEverything && caller.UserId != id, cancellationToken).ConfigureAwait(false);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Serialises changes of admins, so that two admins demoting each other cannot both succeed.
        await LockedReads.TakeAsync(db, "admins", cancellationToken).ConfigureAwait(false);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, cancellationToken).ConfigureAwait(false) ?? throw ControlPlaneException.NotFound($"user {id}");
        if (request.Version is { } version && user.Version != version)
            throw ControlPlaneException.Conflict($"user {user.Username} was changed since version {version}; read it again");
        var changes = new List<string>();
        if (request.Disabled is { } disabled && disabled != user.Disabled)
        {
            user.Disabled = disabled;
            changes.Add(disabled ? "disabled" : "enabled");
        }
        if (role is { } r && r != user.Role)
        {
            user.Role = r;
            changes.Add("role " + RoleNames.Of(r));
        }
        if (request.Password is not null)
        {
            user.PasswordHash = Passwords.Hash(request.Password);
            changes.Add("password reset");
        }
        if (db.Entry(user).Property(u => u.Role).OriginalValue == GlobalRole.Admin && !db.Entry(user).Property(u => u.Disabled).OriginalValue
            && (user.Role != GlobalRole.Admin || user.Disabled)
            && !await db.Users.AnyAsync(u => u.Id != id && u.Role == GlobalRole.Admin && !u.Disabled, cancellationToken).ConfigureAwait(false))
            throw ControlPlaneException.Conflict($"{user.Username} is the last enabled admin: make another user admin first");
        await audit.CommitAsync(db, new AuditRecord(caller, "user.update", "user", id.ToString(), null, AuditRecord.Allowed,
            $"{user.Username}: {(changes.Count == 0 ? "unchanged" : string.Join(", ", changes))}"), cancellationToken).ConfigureAwait(false);
        return await GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Changes the caller's own password, given the old one; a wrong old password is refused and audited.</summary>
    /// <exception cref="ControlPlaneException">A missing or weak password (invalid), or a wrong old one (forbidden).</exception>
    public async Task ChangePasswordAsync(Caller caller, ChangePasswordRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.OldPassword)) throw ControlPlaneException.Invalid("oldPassword is required");
        Passwords.CheckStrength(request.NewPassword);
        var id = caller.UserId ?? throw new ControlPlaneException(ProblemKind.Forbidden, "only users have passwords");
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var current = await db.Users.AsNoTracking().FirstAsync(u => u.Id == id, cancellationToken).ConfigureAwait(false);
        if (!Passwords.Verify(current, request.OldPassword))
        {
            await audit.WriteAsync(new AuditRecord(caller, "user.password", "user", id.ToString(), null, AuditRecord.Denied, "wrong old password"), cancellationToken).ConfigureAwait(false);
            throw new ControlPlaneException(ProblemKind.Forbidden, "the old password is wrong");
        }
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var user = await db.Users.FirstAsync(u => u.Id == id, cancellationToken).ConfigureAwait(false);
        user.PasswordHash = Passwords.Hash(request.NewPassword!);
        await audit.CommitAsync(db, new AuditRecord(caller, "user.password", "user", id.ToString(), null, AuditRecord.Allowed, user.Username), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<UserView>> Views(IQueryable<User> users, CancellationToken cancellationToken)
    {
        var rows = await users.Select(u => new
        {
            u.Id, u.Username, u.Role, u.Disabled, u.CreatedAt, u.Version,
            Teams = u.Memberships.OrderBy(m => m.Team!.Name).Select(m => new { m.TeamId, m.Team!.Name, m.Role }).ToList(),
        }).ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.Select(u => new UserView(u.Id, u.Username, RoleNames.Of(u.Role), u.Disabled, u.CreatedAt,
            u.Teams.Select(t => new UserTeamView(t.TeamId, t.Name, RoleNames.Of(t.Role))).ToList(), u.Version)).ToList();
    }
}
