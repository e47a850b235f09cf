using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Berth.ControlPlane.Live;
using Berth.Engine;
using Berth.Ui.Model;

namespace Berth.Ui.Tests.Fakes;

/// <summary>
/// Live streams a test pushes into through channels; stats history answered by <see cref="History"/>; the latest
/// stats, the kills sent and the history asked for are kept for asserting.
/// </summary>
public sealed class FakeLiveClient : ILiveClient
{
    public Channel<ContainerStatsSample> Stats { get; } = Channel.CreateUnbounded<ContainerStatsSample>();

    public Channel<HostStatsSample> Host { get; } = Channel.CreateUnbounded<HostStatsSample>();

    public Channel<DashboardCounts> Dashboard { get; } = Channel.CreateUnbounded<DashboardCounts>();

    public Channel<ProcessTreeSample> Processes { get; } = Channel.CreateUnbounded<ProcessTreeSample>();

    public Channel<IReadOnlyList<ContainerLogLine>> Logs { get; } = Channel.CreateUnbounded<IReadOnlyList<ContainerLogLine>>();

    /// <summary>What <see cref="LatestStats"/> answers from.</summary>
    public ConcurrentDictionary<Guid, ContainerStatsSample> Latest { get; } = new();

    public ConcurrentQueue<(Guid Id, int HostPid, int Signal)> Kills { get; } = new();

    public ConcurrentQueue<Guid> StreamsOpened { get; } = new();

    /// <summary>What <see cref="StatsHistoryAsync"/> answers for a range (none by default); a test makes it throw to fail the call.</summary>
    public Func<DateTimeOffset, DateTimeOffset, IReadOnlyList<ContainerStatsPoint>> History { get; set; } = (_, _) => [];

    public ConcurrentQueue<(Guid Id, DateTimeOffset From, DateTimeOffset To, int Points)> HistoryAsked { get; } = new();

    public IReadOnlyDictionary<Guid, ContainerStatsSample> LatestStats(IEnumerable<Guid> ids)
        => ids.Where(Latest.ContainsKey).ToDictionary(id => id, id => Latest[id]);

    public IAsyncEnumerable<ContainerStatsSample> ContainerStatsAsync(Guid id, CancellationToken cancellationToken)
    {
        StreamsOpened.Enqueue(id);
        return ReadAsync(Stats, cancellationToken);
    }

    public Task<IReadOnlyList<ContainerStatsPoint>> StatsHistoryAsync(Guid id, DateTimeOffset from, DateTimeOffset to, int points, CancellationToken cancellationToken)
    {
        HistoryAsked.Enqueue((id, from, to, points));
        return Task.FromResult(History(from, to));
    }

    public IAsyncEnumerable<HostStatsSample> HostStatsAsync(CancellationToken cancellationToken) => ReadAsync(Host, cancellationToken);

    public IAsyncEnumerable<DashboardCounts> DashboardAsync(CancellationToken cancellationToken) => ReadAsync(Dashboard, cancellationToken);

    public IAsyncEnumerable<ProcessTreeSample> ProcessTreeAsync(Guid id, CancellationToken cancellationToken)
    {
        StreamsOpened.Enqueue(id);
        return ReadAsync(Processes, cancellationToken);
    }

    public IAsyncEnumerable<IReadOnlyList<ContainerLogLine>> LogsAsync(Guid id, int tail, CancellationToken cancellationToken)
    {
        StreamsOpened.Enqueue(id);
        return ReadAsync(Logs, cancellationToken);
    }

    public Task KillProcessAsync(Guid id, int hostPid, int signal, CancellationToken cancellationToken)
    {
        Kills.Enqueue((id, hostPid, signal));
        return Task.CompletedTask;
    }

    private static async IAsyncEnumerable<T> ReadAsync<T>(Channel<T> channel, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false)) yield return item;
    }
}
