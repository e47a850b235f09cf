using Berth.ControlPlane.Audit;
using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Security;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.ControlPlane.Templates;

/// <summary>
/// Saved container definitions of a team: those who see the team read its templates; members, owners and admins
/// make, change and delete them. A definition is checked as a launch's is, host mounts and the host network included
/// (admins only).
/// </summary>
public sealed class TemplateService(IDbContextFactory<BerthDbContext> dbFactory, AuditLog audit, Guard guard)
{
    public const int MaxDescription = 2000;

    /// <summary>The templates of the teams the caller sees (all for admins and auditors), by team and name.</summary>
    public async Task<IReadOnlyList<TemplateView>> ListAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var query = db.Templates.AsNoTracking();
        if (caller.VisibleTeams is { } visible) query = query.Where(t => visible.Contains(t.TeamId));
        var rows = await query.Join(db.Teams, t => t.TeamId, team => team.Id, (t, team) => new { t, team.Name })
            .OrderBy(x => x.Name).ThenBy(x => x.t.Name).ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.Select(x => TemplateView.From(x.t, x.Name)).ToList();
    }

    /// <summary>One template of a team the caller sees.</summary>
    /// <exception cref="ControlPlaneException">Not found, or of a team the caller does not see (the same answer).</exception>
    public async Task<TemplateView> GetAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var t = await db.Templates.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, cancellationToken).ConfigureAwait(false);
        if (t is null || !caller.CanView(t.TeamId)) throw ControlPlaneException.NotFound($"template {id}");
        return TemplateView.From(t, await TeamNameAsync(db, t.TeamId, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Saves a new template in a team the caller operates.</summary>
    /// <exception cref="ControlPlaneException">A bad definition (invalid), team not found, not allowed (forbidden), or the name is taken in the team (conflict).</exception>
    public async Task<TemplateView> CreateAsync(Caller caller, TemplateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var (spec, name, description) = Check(request);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var team = await ContainerService.ResolveTeamAsync(db, caller, request.Team, cancellationToken).ConfigureAwait(false);
        await DemandAsync(caller, "template.create", name, team.Id, spec, cancellationToken).ConfigureAwait(false);
        var template = new Template
        {
            TeamId = team.Id, Name = name, Description = description, Spec = spec,
            CreatedById = caller.UserId ?? throw new ControlPlaneException(ProblemKind.Forbidden, "templates are made by users"),
        };
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var taken = Taken(team.Name, name);
        if (await db.Templates.AnyAsync(t => t.TeamId == team.Id && t.Name == name, cancellationToken).ConfigureAwait(false)) throw ControlPlaneException.Conflict(taken);
        db.Templates.Add(template);
        await audit.CommitAsync(db, new AuditRecord(caller, "template.create", "template", template.Id.ToString(), team.Id, AuditRecord.Allowed,
            $"{name} from {spec.Image}"), cancellationToken, taken).ConfigureAwait(false);
        return await GetAsync(caller, template.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces a template's name, description and definition (it stays in its team).</summary>
    /// <exception cref="ControlPlaneException">A bad definition or another team (invalid), not found, not allowed (forbidden), the name taken or changed since <see cref="TemplateRequest.Version"/> (conflict).</exception>
    public async Task<TemplateView> UpdateAsync(Caller caller, Guid id, TemplateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var (spec, name, description) = Check(request);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var template = await FindForChangeAsync(db, caller, id, "template.update", spec, cancellationToken).ConfigureAwait(false);
        var teamName = await TeamNameAsync(db, template.TeamId, cancellationToken).ConfigureAwait(false);
        if (request.Team is { } team && team != teamName && team != template.TeamId.ToString())
            throw ControlPlaneException.Invalid($"template {template.Name} belongs to team {teamName}; a template cannot move to another team");
        if (request.Version is { } version && template.Version != version)
            throw ControlPlaneException.Conflict($"template {template.Name} was changed since version {version}; read it again");
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var taken = Taken(teamName, name);
        if (await db.Templates.AnyAsync(t => t.TeamId == template.TeamId && t.Name == name && t.Id != id, cancellationToken).ConfigureAwait(false))
            throw ControlPlaneException.Conflict(taken);
        template.Name = name;
        template.Description = description;
        template.Spec = spec;
        template.UpdatedAt = DateTimeOffset.UtcNow;
        await audit.CommitAsync(db, new AuditRecord(caller, "template.update", "template", id.ToString(), template.TeamId, AuditRecord.Allowed,
            $"{name} from {spec.Image}"), cancellationToken, taken).ConfigureAwait(false);
        return await GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a template; containers launched from it keep their definition.</summary>
    /// <exception cref="ControlPlaneException">Not found, or not allowed (forbidden).</exception>
    public async Task DeleteAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var template = await FindForChangeAsync(db, caller, id, "template.delete", null, cancellationToken).ConfigureAwait(false);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        db.Templates.Remove(template);
        await audit.CommitAsync(db, new AuditRecord(caller, "template.delete", "template", id.ToString(), template.TeamId, AuditRecord.Allowed, template.Name),
            cancellationToken).ConfigureAwait(false);
    }

    private static (ContainerSpec Spec, string Name, string Description) Check(TemplateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = request.Name ?? throw ControlPlaneException.Invalid("name is required");
        SpecValidator.CheckName(name, "name");
        var description = request.Description ?? "";
        if (description.Length > MaxDescription) throw ControlPlaneException.Invalid($"description has more than {MaxDescription} characters");
        var spec = request.ToSpec();
        SpecValidator.Check(spec);
        return (spec, name, description);
    }

    /// <summary>The template, tracked, when the caller may change it; refusals are audited (as not found when the caller does not see its team).</summary>
    private async Task<Template> FindForChangeAsync(BerthDbContext db, Caller caller, Guid id, string action, ContainerSpec? spec, CancellationToken cancellationToken)
    {
        var template = await db.Templates.FirstOrDefaultAsync(t => t.Id == id, cancellationToken).ConfigureAwait(false)
            ?? throw ControlPlaneException.NotFound($"template {id}");
        await DemandAsync(caller, action, id.ToString(), template.TeamId, spec, cancellationToken).ConfigureAwait(false);
        return template;
    }

    private async Task DemandAsync(Caller caller, string action, string target, Guid teamId, ContainerSpec? spec, CancellationToken cancellationToken)
    {
        await guard.DemandAsync(caller.CanOperate(teamId), caller, action, "template", target, teamId, hidden: !caller.CanView(teamId), cancellationToken).ConfigureAwait(false);
        if (spec is not null && SpecValidator.HostMounts(spec) is [var hostMount, ..])
            await guard.DemandAsync(caller.IsAdmin, caller, "template.mount-host", "mount", hostMount, teamId, hidden: false, cancellationToken).ConfigureAwait(false);
        if (spec is not null && SpecValidator.UsesHostNetwork(spec))
            await guard.DemandAsync(caller.IsAdmin, caller, "template.network-host", "network", SpecValidator.NetworkHost, teamId, hidden: false, cancellationToken).ConfigureAwait(false);
    }

    private static Task<string> TeamNameAsync(BerthDbContext db, Guid teamId, CancellationToken cancellationToken)
        => db.Teams.Where(t => t.Id == teamId).Select(t => t.Name).FirstAsync(cancellationToken);

    private static string Taken(string team, string name) => $"team {team} already has a template named {name}";
}
