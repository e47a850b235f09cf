namespace Berth.ControlPlane.Containers;

/// <summary>What a team uses against its quota: its containers, and the limits of those running summed.</summary>
public sealed record QuotaUse(long Containers, double Cpus, long MemoryBytes, long Pids);
