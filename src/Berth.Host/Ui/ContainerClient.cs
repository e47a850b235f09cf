using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Images;
using Berth.ControlPlane.Teams;
using Berth.Data;
using Berth.Ui.Model;
using Microsoft.EntityFrameworkCore;

namespace Berth.Host.Ui;

/// <summary>The UI's containers, over the control plane's services, as the circuit's user.</summary>
public sealed class ContainerClient(ISessionClient session, ContainerService containers, TeamService teams, IDbContextFactory<BerthDbContext> dbFactory)
    : IContainerClient
{
    public async Task<IReadOnlyList<ContainerView>> ListAsync(CancellationToken cancellationToken)
        => await containers.ListAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), includeRemoved: false, cancellationToken).ConfigureAwait(false);

    public async Task<ContainerView> GetAsync(Guid id, CancellationToken cancellationToken)
        => await containers.GetAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id, cancellationToken).ConfigureAwait(false);

    public async Task<ContainerView> LaunchAsync(CreateContainerRequest request, CancellationToken cancellationToken)
        => await containers.CreateAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), request, cancellationToken).ConfigureAwait(false);

    public async Task<ContainerView> StartAsync(Guid id, CancellationToken cancellationToken)
        => await containers.StartAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id, cancellationToken).ConfigureAwait(false);

    public async Task<ContainerView> StopAsync(Guid id, CancellationToken cancellationToken)
        => await containers.StopAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id, cancellationToken).ConfigureAwait(false);

    public async Task<ContainerView> RestartAsync(Guid id, CancellationToken cancellationToken)
        => await containers.RestartAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id, cancellationToken).ConfigureAwait(false);

    public async Task RemoveAsync(Guid id, CancellationToken cancellationToken)
        => await containers.RemoveAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<RunView>> RunsAsync(Guid id, CancellationToken cancellationToken)
        => await containers.RunsAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<TimelineEvent>> EventsAsync(Guid id, CancellationToken cancellationToken)
    {
        var events = await containers.EventsAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id, cancellationToken).ConfigureAwait(false);
        var actorIds = events.Where(e => e.ActorId is not null).Select(e => e.ActorId!.Value).Distinct().ToList();
        var names = new Dictionary<Guid, string>();
        if (actorIds.Count > 0)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            names = await db.Users.AsNoTracking().Where(u => actorIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Username, cancellationToken).ConfigureAwait(false);
        }
        return events.Select(e => new TimelineEvent(e.Time, e.Action, e.Detail, e.ActorId is { } a ? names.GetValueOrDefault(a) : null)).ToList();
    }

    public async Task<IReadOnlyList<TimelineEvent>> RecentEventsAsync(int count, CancellationToken cancellationToken)
    {
        var caller = await session.CallerAsync(cancellationToken).ConfigureAwait(false);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var query = db.Events.AsNoTracking().Where(e => e.ContainerId != null);
        if (caller.VisibleTeams is { } teams) query = query.Where(e => e.TeamId != null && teams.Contains(e.TeamId.Value));
        var rows = await query.OrderByDescending(e => e.Time).Take(Math.Clamp(count, 1, 200))
            .GroupJoin(db.Containers, e => e.ContainerId, c => c.Id, (e, c) => new { e, c })
            .SelectMany(x => x.c.DefaultIfEmpty(), (x, c) => new { x.e, Container = c == null ? null : c.Name })
            .GroupJoin(db.Users, x => x.e.ActorId, u => u.Id, (x, u) => new { x.e, x.Container, u })
            .SelectMany(x => x.u.DefaultIfEmpty(), (x, u) => new { x.e, x.Container, Actor = u == null ? null : u.Username })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.OrderByDescending(x => x.e.Time).Select(x => new TimelineEvent(x.e.Time, x.e.Action, x.e.Detail, x.Actor, x.e.ContainerId, x.Container)).ToList();
    }

    public async Task<QuotaView> QuotaAsync(Guid teamId, CancellationToken cancellationToken)
        => await teams.QuotaAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), teamId, cancellationToken).ConfigureAwait(false);
}
