using Berth.Engine;

namespace Berth.Ui.Model;

/// <summary>A visible line of the process tree: the process, its depth, whether it has children and is expanded, and its CPU share.</summary>
public sealed record ProcessRow(ProcessTree.Node Node, int Depth, bool HasChildren, bool Expanded, double CpuPercent)
{
    public bool IsZombie => Node.State == 'Z';
}
