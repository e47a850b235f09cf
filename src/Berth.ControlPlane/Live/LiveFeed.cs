using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Berth.ControlPlane.Live;

/// <summary>
/// The in-process feed of live data that the SignalR hub and the UI read: each running container's stats, the
/// host's, and container counts for dashboards. <see cref="StatsSampler"/> publishes; subscribers get the latest
/// value first, then each new one, through bounded channels that drop the oldest values for slow readers.
/// Subscriptions end when their cancellation token is cancelled. Rights are checked by the callers, not here.
/// </summary>
public sealed class LiveFeed
{
    // One topic per container ever sampled or subscribed on this host: a few hundred bytes each, and only the
    // latest sample of running ones is kept (stopped ones are cleared).
    private readonly ConcurrentDictionary<Guid, LiveTopic<LiveItem<ContainerStatsSample>>> _containers = new();
    private readonly LiveTopic<LiveItem<HostStatsSample>> _host = new();
    private readonly LiveTopic<DashboardSnapshot> _dashboard = new(capacity: 4);

    /// <summary>The latest stats of container <paramref name="containerId"/>; null when it is not running here or not sampled yet.</summary>
    public LiveItem<ContainerStatsSample>? LatestContainerStats(Guid containerId)
        => _containers.TryGetValue(containerId, out var topic) ? topic.Latest : null;

    /// <summary>The latest stats of the container (when sampled), then each new sample.</summary>
    public IAsyncEnumerable<LiveItem<ContainerStatsSample>> SubscribeContainerStatsAsync(Guid containerId, CancellationToken cancellationToken)
        => Topic(containerId).SubscribeAsync(cancellationToken);

    /// <summary>The first sample of the container, waiting up to <paramref name="timeout"/> for one; null if none came.</summary>
    public async Task<LiveItem<ContainerStatsSample>?> NextContainerStatsAsync(Guid containerId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (LatestContainerStats(containerId) is { } latest) return latest;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await foreach (var item in SubscribeContainerStatsAsync(containerId, cts.Token).ConfigureAwait(false)) return item;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        return null;
    }

    /// <summary>The host's latest summary, then each new one.</summary>
    public IAsyncEnumerable<LiveItem<HostStatsSample>> SubscribeHostStatsAsync(CancellationToken cancellationToken) => _host.SubscribeAsync(cancellationToken);

    public LiveItem<HostStatsSample>? LatestHostStats => _host.Latest;

    /// <summary>Counts by state of the containers of <paramref name="teams"/> (null: all teams), now and after each change.</summary>
    public async IAsyncEnumerable<DashboardCounts> SubscribeDashboardAsync(IReadOnlyCollection<Guid>? teams, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        DashboardCounts? last = null;
        await foreach (var snapshot in _dashboard.SubscribeAsync(cancellationToken).ConfigureAwait(false))
        {
            var counts = DashboardCounts.For(snapshot.Time, snapshot.Counts, teams);
            // Other teams' changes need not reach this subscriber.
            if (last is not null && last.ByState.Count == counts.ByState.Count && last.ByState.All(kv => counts.ByState.GetValueOrDefault(kv.Key, -1) == kv.Value)) continue;
            last = counts;
            yield return counts;
        }
    }

    /// <summary>Publishes one tick of samples (by the sampler).</summary>
    public void PublishContainerStats(IEnumerable<ContainerStatsSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        foreach (var s in samples) Topic(s.ContainerId).Publish(new LiveItem<ContainerStatsSample>(s));
    }

    /// <summary>Forgets the latest sample of every container but <paramref name="running"/>, so that no stale sample is served as current.</summary>
    public void RetainContainerStats(IReadOnlySet<Guid> running)
    {
        ArgumentNullException.ThrowIfNull(running);
        foreach (var (id, topic) in _containers)
        {
            if (!running.Contains(id)) topic.Clear();
        }
    }

    public void PublishHostStats(HostStatsSample sample) => _host.Publish(new LiveItem<HostStatsSample>(sample));

    /// <summary>Publishes container counts per team and state (by the sampler, when they changed).</summary>
    public void PublishDashboard(DateTimeOffset time, IReadOnlyList<TeamStateCount> counts) => _dashboard.Publish(new DashboardSnapshot(time, counts));

    private LiveTopic<LiveItem<ContainerStatsSample>> Topic(Guid id) => _containers.GetOrAdd(id, _ => new LiveTopic<LiveItem<ContainerStatsSample>>());

    private sealed record DashboardSnapshot(DateTimeOffset Time, IReadOnlyList<TeamStateCount> Counts);
}
