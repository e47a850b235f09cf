using System.Collections.Concurrent;
using Berth.ControlPlane;
using Berth.ControlPlane.History;
using Berth.Ui.Model;

namespace Berth.Ui.Tests.Fakes;

/// <summary>Runs held in memory, answered whatever the filter; every filter asked for is recorded.</summary>
public sealed class FakeRunHistoryClient : IRunHistoryClient
{
    public List<HistoryRun> Runs { get; set; } = [];

    /// <summary>When set, <see cref="ListAsync"/> throws it.</summary>
    public ControlPlaneException? Failure { get; set; }

    public ConcurrentQueue<RunFilter> Filters { get; } = new();

    public Task<IReadOnlyList<HistoryRun>> ListAsync(RunFilter filter, CancellationToken cancellationToken)
    {
        Filters.Enqueue(filter);
        if (Failure is { } e) throw e;
        return Task.FromResult<IReadOnlyList<HistoryRun>>(Runs.ToList());
    }
}
