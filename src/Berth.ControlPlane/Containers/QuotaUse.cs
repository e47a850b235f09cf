namespace Berth.ControlPlane.Containers;

/// <summary>What a team uses of its quota: its containers (not removed), and the sums of the limits of its running ones.</summary>
public sealed record QuotaUse(int Containers, double Cpus, long MemoryBytes, long Pids);
