namespace Berth.Ui.Model;

/// <summary>
/// One event of a container's life (create, start, die, oom, stop…) with its detail and who caused it (null: the
/// control plane); in lists over many containers, also which container.
/// </summary>
public sealed record TimelineEvent(DateTimeOffset Time, string Action, string? Detail, string? Actor, Guid? ContainerId = null, string? Container = null);
