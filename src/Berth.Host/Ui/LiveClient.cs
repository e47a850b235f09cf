using System.Runtime.CompilerServices;
using Berth.ControlPlane;
using Berth.ControlPlane.Live;
using Berth.Engine;
using Berth.Ui.Model;

namespace Berth.Host.Ui;

/// <summary>The UI's live data, over the control plane's live feed and service, as the circuit's user (rights checked when each stream starts, as the hub does).</summary>
public sealed class LiveClient(ISessionClient session, LiveService live, LiveFeed feed) : ILiveClient
{
    public IReadOnlyDictionary<Guid, ContainerStatsSample> LatestStats(IEnumerable<Guid> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var result = new Dictionary<Guid, ContainerStatsSample>();
        foreach (var id in ids)
        {
            if (feed.LatestContainerStats(id) is { } item) result[id] = item.Value;
        }
        return result;
    }

    public async IAsyncEnumerable<ContainerStatsSample> ContainerStatsAsync(Guid id, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await live.VisibleAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id, cancellationToken).ConfigureAwait(false);
        await foreach (var item in feed.SubscribeContainerStatsAsync(id, cancellationToken).ConfigureAwait(false)) yield return item.Value;
    }

    public async Task<IReadOnlyList<ContainerStatsPoint>> StatsHistoryAsync(Guid id, DateTimeOffset from, DateTimeOffset to, int points, CancellationToken cancellationToken)
        => await live.StatsHistoryAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id, from, to, points, cancellationToken).ConfigureAwait(false);

    public async IAsyncEnumerable<HostStatsSample> HostStatsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var caller = await session.CallerAsync(cancellationToken).ConfigureAwait(false);
        if (!caller.ReadsEverything && caller.Teams.Count == 0) throw new ControlPlaneException(ProblemKind.Forbidden, "join a team to see the node's stats");
        await foreach (var item in feed.SubscribeHostStatsAsync(cancellationToken).ConfigureAwait(false)) yield return item.Value;
    }

    public async IAsyncEnumerable<DashboardCounts> DashboardAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var caller = await session.CallerAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var counts in feed.SubscribeDashboardAsync(caller.VisibleTeams, cancellationToken).ConfigureAwait(false)) yield return counts;
    }

    public async IAsyncEnumerable<ProcessTreeSample> ProcessTreeAsync(Guid id, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var caller = await session.CallerAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var tree in live.ProcessTreeAsync(caller, id, cancellationToken).ConfigureAwait(false)) yield return tree;
    }

    public async IAsyncEnumerable<IReadOnlyList<ContainerLogLine>> LogsAsync(Guid id, int tail, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var caller = await session.CallerAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var batch in live.LogsAsync(caller, id, tail, cancellationToken).ConfigureAwait(false)) yield return batch;
    }

    public async Task KillProcessAsync(Guid id, int hostPid, int signal, CancellationToken cancellationToken)
        => await live.KillProcessAsync(await session.CallerAsync(cancellationToken).ConfigureAwait(false), id, hostPid, signal, cancellationToken).ConfigureAwait(false);
}
