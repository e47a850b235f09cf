using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Live;
using Berth.Engine;

namespace Berth.Ui.Tests.Fakes;

/// <summary>Views and samples with only the fields a test cares about given.</summary>
public static class Samples
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    public static ContainerView Container(string name, string state = "running", string team = FakeSessionClient.TeamName, string owner = "ada",
        string image = "busybox:latest", Guid? id = null, Guid? teamId = null, string? desired = null)
        => new(id ?? Guid.NewGuid(), name, teamId ?? FakeSessionClient.TeamId, team, Guid.NewGuid(), owner, "node-1", image,
            ["sleep", "600"], new Dictionary<string, string>(), null, null, null, [], "no", null, null, null, null, null, null, "none", [], null,
            state, desired ?? (state == "running" ? "running" : "stopped"), null, null, null, 0, null, T0, state == "running" ? T0 : null, null, null, null);

    public static ContainerStatsSample Stats(Guid id, DateTimeOffset time, double cpu = 12.5, long memory = 8 * 1048576L, long ioRead = 0, long ioWrite = 0, long pids = 3)
        => new(id, FakeSessionClient.TeamId, time, 1, cpu, null, memory, 1048576, 64 * 1048576L, pids, 100, ioRead, ioWrite, 0, 0, 0, null);

    public static ProcessTree.Node Process(int pid, int pidInContainer, string command, char state = 'S', params ProcessTree.Node[] children)
        => new(pid, pidInContainer, 1, 0, 0, "root", state, 0, 0, 4096 * 256, 1, command, children);

    public static ProcessTreeSample Tree(params ProcessTree.Node[] roots) => new(T0, roots, new Dictionary<int, double>());

    public static ContainerLogLine Line(string text, string stream = "stdout") => new(T0, stream, text);
}
