using System.Collections.Concurrent;
using Berth.ControlPlane;
using Berth.ControlPlane.Usage;
using Berth.Ui.Model;

namespace Berth.Ui.Tests.Fakes;

/// <summary>Usage rows by grouping set by the test; every query asked for is recorded.</summary>
public sealed class FakeUsageClient : IUsageClient
{
    public Dictionary<UsageGrouping, List<UsageRow>> Rows { get; } = new() { [UsageGrouping.Team] = [], [UsageGrouping.User] = [] };

    /// <summary>When set, <see cref="QueryAsync"/> throws it.</summary>
    public ControlPlaneException? Failure { get; set; }

    public ConcurrentQueue<(UsageGrouping By, DateTimeOffset From, DateTimeOffset To)> Queries { get; } = new();

    public Task<IReadOnlyList<UsageRow>> QueryAsync(UsageGrouping by, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        Queries.Enqueue((by, from, to));
        if (Failure is { } e) throw e;
        return Task.FromResult<IReadOnlyList<UsageRow>>(Rows[by].ToList());
    }
}
