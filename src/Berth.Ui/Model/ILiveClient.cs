using Berth.ControlPlane.Live;
using Berth.Engine;

namespace Berth.Ui.Model;

/// <summary>
/// Live data for the pages of the signed-in user: each stream gives the latest value first (when there is one), then
/// each new one, until its token is cancelled. The host implements it over the control plane's live feed, checking the
/// user's right to see the container when a stream starts.
/// </summary>
public interface ILiveClient
{
    /// <summary>The latest stats of each of <paramref name="ids"/> that runs and was sampled (for grids that refresh on a timer).</summary>
    IReadOnlyDictionary<Guid, ContainerStatsSample> LatestStats(IEnumerable<Guid> ids);

    IAsyncEnumerable<ContainerStatsSample> ContainerStatsAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>
    /// The container's stats history over (<paramref name="from"/>, <paramref name="to"/>] from the database, as at
    /// most <paramref name="points"/> points oldest first (see <see cref="ContainerStatsPoint"/>).
    /// </summary>
    Task<IReadOnlyList<ContainerStatsPoint>> StatsHistoryAsync(Guid id, DateTimeOffset from, DateTimeOffset to, int points, CancellationToken cancellationToken);

    IAsyncEnumerable<HostStatsSample> HostStatsAsync(CancellationToken cancellationToken);

    /// <summary>Counts by state of the containers the user sees, now and on each change.</summary>
    IAsyncEnumerable<DashboardCounts> DashboardAsync(CancellationToken cancellationToken);

    /// <summary>The container's process tree every second (empty while it does not run).</summary>
    IAsyncEnumerable<ProcessTreeSample> ProcessTreeAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The last <paramref name="tail"/> log lines, then new ones, in batches at most every ~100 ms; ends when the container stops.</summary>
    IAsyncEnumerable<IReadOnlyList<ContainerLogLine>> LogsAsync(Guid id, int tail, CancellationToken cancellationToken);

    /// <summary>Sends <paramref name="signal"/> to the container's process <paramref name="hostPid"/>; audited.</summary>
    Task KillProcessAsync(Guid id, int hostPid, int signal, CancellationToken cancellationToken);
}
