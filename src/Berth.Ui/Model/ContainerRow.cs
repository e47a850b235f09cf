using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Live;

namespace Berth.Ui.Model;

/// <summary>A row of the containers grid: the container and, while it runs, its latest stats.</summary>
public sealed class ContainerRow(ContainerView view)
{
    public ContainerView View { get; set; } = view;

    public ContainerStatsSample? Stats { get; set; }

    public Guid Id => View.Id;

    /// <summary>CPU in percent of one core; -1 when not sampled (sorts last).</summary>
    public double Cpu => Stats?.CpuPercent ?? -1;

    public long Memory => Stats?.MemoryWorkingSetBytes ?? -1;
}
