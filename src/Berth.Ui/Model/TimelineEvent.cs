namespace Berth.Ui.Model;

/// <summary>One event of a container's life (create, start, die, oom, stop…) with its detail and who caused it (null: the control plane).</summary>
public sealed record TimelineEvent(DateTimeOffset Time, string Action, string? Detail, string? Actor);
