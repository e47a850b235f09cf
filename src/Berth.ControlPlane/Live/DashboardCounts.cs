namespace Berth.ControlPlane.Live;

/// <summary>The containers a caller sees, counted by state (every state present has an entry), and their total.</summary>
public sealed record DashboardCounts(DateTimeOffset Time, int Total, IReadOnlyDictionary<string, int> ByState)
{
    /// <summary>The counts of <paramref name="counts"/> over the teams in <paramref name="teams"/> (null: all).</summary>
    public static DashboardCounts For(DateTimeOffset time, IReadOnlyList<TeamStateCount> counts, IReadOnlyCollection<Guid>? teams)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var byState = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in counts)
        {
            if (teams is not null && !teams.Contains(c.TeamId)) continue;
            byState[c.State] = byState.GetValueOrDefault(c.State) + c.Count;
        }
        return new DashboardCounts(time, byState.Values.Sum(), byState);
    }
}
