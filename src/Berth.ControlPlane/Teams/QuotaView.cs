using Berth.ControlPlane.Containers;

namespace Berth.ControlPlane.Teams;

/// <summary>
/// A team's quota (null: unlimited) and what the team uses of it now. <see cref="Version"/> is the row's concurrency
/// token: send it back with a change so that a change made meanwhile by someone else is refused instead of lost.
/// </summary>
public sealed record QuotaView(Guid TeamId, string Team, int? MaxContainers, double? MaxCpus, long? MaxMemoryBytes, long? MaxPids, QuotaUse Used, uint? Version);
