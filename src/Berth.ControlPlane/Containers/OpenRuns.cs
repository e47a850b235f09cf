using Berth.Data;
using Berth.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Berth.ControlPlane.Containers;

/// <summary>
/// The runs not ended yet of a set of containers, read in one query into a unit of work (tracked), and kept as it
/// ends and adds runs: in a batch of engine events (die, restart, start, of several containers) each event sees
/// the runs as the events before it left them, not as the database still has them.
/// </summary>
public sealed class OpenRuns
{
    private readonly BerthDbContext _db;
    private readonly Dictionary<Guid, List<Run>> _byContainer;

    private OpenRuns(BerthDbContext db, Dictionary<Guid, List<Run>> byContainer)
    {
        _db = db;
        _byContainer = byContainer;
    }

    /// <summary>Reads the open runs of <paramref name="containerIds"/> into <paramref name="db"/> (no query when there are none).</summary>
    public static async Task<OpenRuns> LoadAsync(BerthDbContext db, IReadOnlyCollection<Guid> containerIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(containerIds);
        var byContainer = containerIds.ToDictionary(id => id, _ => new List<Run>());
        if (byContainer.Count == 0) return new OpenRuns(db, byContainer);
        foreach (var run in await Stored(db, byContainer.Keys.ToList()).ToListAsync(cancellationToken).ConfigureAwait(false))
            byContainer[run.ContainerId].Add(run);
        return new OpenRuns(db, byContainer);
    }

    /// <summary>The stored runs not ended of <paramref name="containerIds"/>, as <see cref="LoadAsync"/> reads them (through the partial index of open runs).</summary>
    public static IQueryable<Run> Stored(BerthDbContext db, IReadOnlyCollection<Guid> containerIds)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Runs.Where(r => containerIds.Contains(r.ContainerId) && r.EndedAt == null);
    }

    /// <summary>The container's run that has not ended (the last started), or null; as <see cref="RunBook.OpenRunAsync"/> without a query.</summary>
    /// <exception cref="InvalidOperationException">The container is not one of those read.</exception>
    public Run? Of(Guid containerId) => RunsOf(containerId).Where(r => r.EndedAt == null).MaxBy(r => r.StartedAt);

    /// <summary>Adds <paramref name="run"/> to the unit of work; it is the open run of its container from now on.</summary>
    public void Add(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var runs = RunsOf(run.ContainerId);
        _db.Runs.Add(run);
        runs.Add(run);
    }

    /// <summary>Ends the container's open run, if any (see <see cref="RunBook.End"/>); returns it.</summary>
    public Run? Close(Guid containerId, DateTimeOffset endedAt, int? exitCode, bool oom, string reason)
    {
        var run = Of(containerId);
        if (run is not null) RunBook.End(run, endedAt, exitCode, oom, reason);
        return run;
    }

    private List<Run> RunsOf(Guid containerId)
        => _byContainer.TryGetValue(containerId, out var runs) ? runs : throw new InvalidOperationException($"the open runs of container {containerId} were not read");
}
