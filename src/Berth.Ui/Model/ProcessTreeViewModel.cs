using Berth.ControlPlane.Live;

namespace Berth.Ui.Model;

/// <summary>
/// The live process tree of a container: the latest sample, which processes are collapsed (by host pid, kept across
/// samples), and the rows to show, depth first.
/// </summary>
public sealed class ProcessTreeViewModel
{
    private readonly HashSet<int> _collapsed = [];

    public ProcessTreeSample? Sample { get; private set; }

    public void Apply(ProcessTreeSample sample)
    {
        Sample = sample ?? throw new ArgumentNullException(nameof(sample));
        // Forget processes that are gone (pids are reused).
        var alive = sample.Roots.SelectMany(Flatten).Select(n => n.Pid).ToHashSet();
        _collapsed.IntersectWith(alive);
    }

    public void Toggle(int pid)
    {
        if (!_collapsed.Remove(pid)) _collapsed.Add(pid);
    }

    public int Count => Sample?.Roots.SelectMany(Flatten).Count() ?? 0;

    public int Zombies => Sample?.Roots.SelectMany(Flatten).Count(n => n.State == 'Z') ?? 0;

    /// <summary>The rows to show: every process whose ancestors are all expanded, depth first.</summary>
    public IReadOnlyList<ProcessRow> Rows
    {
        get
        {
            var rows = new List<ProcessRow>();
            if (Sample is not { } s) return rows;
            foreach (var root in s.Roots) Add(root, 0);
            return rows;

            void Add(Berth.Engine.ProcessTree.Node node, int depth)
            {
                var expanded = !_collapsed.Contains(node.Pid);
                rows.Add(new ProcessRow(node, depth, node.Children.Count > 0, expanded, s.CpuPercent.GetValueOrDefault(node.Pid)));
                if (!expanded) return;
                foreach (var child in node.Children) Add(child, depth + 1);
            }
        }
    }

    private static IEnumerable<Berth.Engine.ProcessTree.Node> Flatten(Berth.Engine.ProcessTree.Node node)
        => node.Children.SelectMany(Flatten).Prepend(node);
}
