namespace Berth.ControlPlane.Usage;

/// <summary>
/// Usage of one team, user or container over a period: CPU hours (core-hours), memory GB-hours (working set ×
/// time, GiB × hours), hours the containers ran, and bytes read and written by block I/O. <see cref="Team"/> is
/// the container's team (by container) or the team itself (by team); null by user.
/// </summary>
public sealed record UsageRow(Guid Id, string Name, Guid? TeamId, string? Team, double CpuHours, double MemoryGbHours, double ContainerHours, long IoReadBytes, long IoWriteBytes);
