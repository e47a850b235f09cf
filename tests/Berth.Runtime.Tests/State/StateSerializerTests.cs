using System.Reflection;
using Berth.Runtime;
using Berth.Runtime.State;

namespace Berth.Runtime.Tests.State;

public sealed class StateSerializerTests
{
    private static ContainerState Full() => new()
    {
        Id = "c1", Bundle = "/b", Rootfs = "/b/rootfs", Created = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero),
        Owner = "root", Pid = 42, PidStartTime = 4242, MonitorPid = 41, MonitorStartTime = 4141, ReaperPid = 40, ReaperStartTime = 4040, CgroupPath = "berth/c1",
        CgroupParent = "/p", CreatorCgroup = "0::/\n",
        CgroupLayout =
        [
            new Berth.Cgroups.CgroupHierarchy(false, "/sys/fs/cgroup/cpu,cpuacct", "/", ["cpu", "cpuacct"], null, "/user.slice"),
            new Berth.Cgroups.CgroupHierarchy(false, "/sys/fs/cgroup/systemd", "/", [], "systemd", "/"),
            new Berth.Cgroups.CgroupHierarchy(true, "/sys/fs/cgroup/unified", "/", ["hugetlb"], null, "/a:b"),
        ],
        ConsoleSocket = "/run/c.sock", NoPivot = true, NoNewKeyring = true,
        Exit = new ExitInfo { ExitCode = 137, Signal = "SIGKILL", OomKilled = true, Finished = new DateTimeOffset(2026, 11, 28, 10, 1, 0, TimeSpan.Zero) },
        Error = "boom", Annotations = new Dictionary<string, string> { ["a"] = "b" },
    };

    [Fact]
    public void WriteThenRead_EveryProperty_RoundTrips()
    {
        var original = Full();

        var back = StateSerializer.Read(StateSerializer.Write(original), "state.json");

        foreach (var p in typeof(ContainerState).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var a = p.GetValue(original);
            var b = p.GetValue(back);
            Assert.True(a is not null, $"test data leaves {p.Name} unset: extend Full()");
            if (a is ExitInfo ea)
            {
                var eb = Assert.IsType<ExitInfo>(b);
                Assert.Equal((ea.ExitCode, ea.Signal, ea.OomKilled, ea.Finished), (eb.ExitCode, eb.Signal, eb.OomKilled, eb.Finished));
            }
            else if (a is IReadOnlyList<Berth.Cgroups.CgroupHierarchy> la)
            {
                static string Show(Berth.Cgroups.CgroupHierarchy h)
                    => $"{h.IsUnified}|{h.MountPoint}|{h.Root}|{string.Join(',', h.Controllers)}|{h.Name}|{h.OwnPath}";
                Assert.Equal(la.Select(Show), Assert.IsAssignableFrom<IReadOnlyList<Berth.Cgroups.CgroupHierarchy>>(b).Select(Show));
            }
            else if (a is Dictionary<string, string> da)
            {
                Assert.Equal(da, Assert.IsType<Dictionary<string, string>>(b));
            }
            else
            {
                Assert.True(Equals(a, b), $"{p.Name}: wrote {a}, read {b}");
            }
        }
    }

    [Theory]
    [InlineData("{\"pid\": \"x\"}", "pid: expected a 32-bit integer")]
    [InlineData("{\"created\": 5}", "created: expected an RFC 3339 time")]
    [InlineData("[1]", "expected an object")]
    [InlineData("{\"id\": ", "invalid JSON")]
    [InlineData("{\"cgroupLayout\": [{\"root\": \"/\"}]}", "cgroupLayout[0]: a cgroup hierarchy needs mountPoint, root and ownPath")]
    public void Read_BadDocument_ThrowsNamingTheField(string json, string expected)
    {
        var e = Assert.Throws<RuntimeException>(() => StateSerializer.Read(System.Text.Encoding.UTF8.GetBytes(json), "state.json"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void WriteOci_StoppedContainer_HasExitFieldsAndUtcTimes()
    {
        var json = StateSerializer.WriteOci(new OciState
        {
            Id = "x", Status = "stopped", Created = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)), ExitCode = 7, ExitSignal = null, OomKilled = false,
        }, indented: false);

        Assert.Contains("\"created\":\"2026-01-02T01:04:05.0000000Z\"", json);
        Assert.Contains("\"exitCode\":7", json);
        Assert.Contains("\"oomKilled\":false", json);
        Assert.DoesNotContain("exitSignal", json);
    }
}
