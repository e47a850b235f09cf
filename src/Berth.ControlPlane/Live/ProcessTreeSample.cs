using Berth.Engine;

namespace Berth.ControlPlane.Live;

/// <summary>A container's processes at one moment (host pids, pids in the container, users, commands…) and each process's CPU use since the previous sample, in percent of one core, by host pid.</summary>
public sealed record ProcessTreeSample(DateTimeOffset Time, IReadOnlyList<ProcessTree.Node> Roots, IReadOnlyDictionary<int, double> CpuPercent);
