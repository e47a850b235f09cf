using System.Globalization;
using Berth.Cgroups.V2;
using Berth.Linux;
using Berth.Testing;

namespace Berth.Cgroups.Tests;

/// <summary>
/// The eBPF device program DeviceFilter generates, loaded into this host's kernel (the verifier must accept it) and
/// attached to a test cgroup under the test process's own cgroup in the cgroup2 mount, then judged from a shell
/// inside that cgroup: an access the program refuses fails with EPERM before the device is even looked up, one it
/// allows gets whatever the device says (nodes of an unregistered major, 240, answer ENXIO). The semantics are the
/// OCI spec's <c>linux.resources.devices</c> in order, as berth reads them: per access, the last rule that matches
/// decides, and what no rule decides is refused (runc's default).
/// </summary>
public sealed class DeviceFilterKernelTests : IDisposable
{
    /// <summary>The nodes probed: name, type, major, minor.</summary>
    private static readonly (string Name, char Type, int Major, int Minor)[] Nodes =
    [
        ("null", 'c', 1, 3), ("zero", 'c', 1, 5), ("c240", 'c', 240, 1), ("b240", 'b', 240, 1), ("b240n2", 'b', 240, 2),
    ];

    private readonly TestCgroup cg = new(TestCgroup.UnifiedOnlyLayout());
    private readonly string nodes = TestPaths.NewDirectory("devnodes");

    public DeviceFilterKernelTests()
    {
        foreach (var (name, type, major, minor) in Nodes)
        {
            Berth.Linux.Nodes.MakeNode(Path.Join(nodes, name), type == 'b' ? 0x6000u : 0x2000u, 0x1b6, major, minor);
        }
    }

    public void Dispose()
    {
        try
        {
            cg.Dispose();
        }
        finally
        {
            TestPaths.DeleteDirectory(nodes);
        }
    }

    [Theory]
    // Default deny: an access no rule decides is refused, with or without a leading deny-all.
    [InlineData("", "null:r=deny null:w=deny null:m=deny c240:r=deny b240:r=deny")]
    [InlineData("allow c 1:3 rw", "null:r=allow null:w=allow null:rw=allow null:m=deny zero:r=deny b240:r=deny")]
    [InlineData("deny a *:* rwm; allow c 1:3 rw", "null:rw=allow zero:r=deny")]
    // Wildcards: type a, and a missing major or minor.
    [InlineData("allow a *:* rwm", "null:rw=allow null:m=allow zero:w=allow c240:r=allow b240:rw=allow b240:m=allow")]
    [InlineData("allow c *:* rwm", "null:rw=allow c240:r=allow b240:r=deny b240:m=deny")]
    [InlineData("allow b 240:* r", "b240:r=allow b240n2:r=allow b240:w=deny c240:r=deny")]
    [InlineData("allow c *:5 r", "zero:r=allow null:r=deny zero:w=deny")]
    [InlineData("allow a 240:1 r", "c240:r=allow b240:r=allow b240n2:r=deny")]
    // Access letters: each access asked for is decided on its own; rules for one device add up.
    [InlineData("allow c 1:3 m", "null:m=allow null:r=deny")]
    [InlineData("allow c 1:3 r; allow c 1:3 w", "null:r=allow null:w=allow null:rw=allow")]
    // Later rules win, over wildcards too.
    [InlineData("allow c *:* rwm; deny c 1:5 rwm", "zero:r=deny zero:m=deny null:rw=allow")]
    [InlineData("allow c 1:3 rw; deny c 1:3 w", "null:r=allow null:w=deny null:rw=deny")]
    [InlineData("deny c 1:3 w; allow c 1:3 rw", "null:w=allow null:rw=allow")]
    [InlineData("allow a *:* rwm; deny b *:* w", "b240:r=allow b240:w=deny b240:rw=deny c240:w=allow")]
    [InlineData("allow c 1:5 rwm; deny a *:* rwm", "zero:r=deny null:r=deny")]
    public void Attach_Rules_KernelAllowsAndRefusesAsSpecSays(string rules, string expected)
    {
        cg.Manager.Create(new CgroupResources());
        DeviceFilter.Apply(cg.Dir(CgroupHierarchy.UnifiedKey), ParseRules(rules));

        var seen = Probe(expected.Split(' ').Select(e => e.Split('=')[0]));

        Assert.Equal(expected, string.Join(' ', expected.Split(' ').Select(e => $"{e.Split('=')[0]}={seen[e.Split('=')[0]]}")));
    }

    [Fact]
    public void LoadProgram_ManyRuleShapes_VerifierAccepts()
    {
        // Random rule lists, the shapes DeviceFilterProgramTests checks for meaning, loaded for real (not attached).
        var random = new Random(8);
        for (var i = 0; i < 200; i++)
        {
            var rules = DeviceFilterProgramTests.RandomRules(random);
            using var program = Bpf.LoadProgram(Bpf.BPF_PROG_TYPE_CGROUP_DEVICE, DeviceFilter.Compile(rules), "Apache-2.0");
            Assert.False(program.IsInvalid);
        }
    }

    /// <summary>"allow c 1:3 rw; deny a *:* m": rules separated by ';', '*' for any major or minor.</summary>
    internal static List<DeviceRule> ParseRules(string text) =>
        text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(r =>
        {
            var f = r.Split(' ');
            var mm = f[2].Split(':');
            long? Number(string s) => s == "*" ? null : long.Parse(s, CultureInfo.InvariantCulture);
            return new DeviceRule(f[0] == "allow", f[1][0], Number(mm[0]), Number(mm[1]), f[3]);
        }).ToList();

    /// <summary>
    /// Runs each probe (NODE:ACCESS; r opens for reading, w for writing, rw for both, m makes a node of that
    /// device) from a shell in the cgroup; "deny" for EPERM, "allow" for anything else.
    /// </summary>
    private Dictionary<string, string> Probe(IEnumerable<string> probes)
    {
        var script = string.Join("; ", probes.Select(p =>
        {
            var (name, access) = (p.Split(':')[0], p.Split(':')[1]);
            var node = Nodes.Single(n => n.Name == name);
            var path = Path.Join(nodes, name);
            var op = access switch
            {
                "r" => $": <{path}",
                "w" => $": >{path}",
                "rw" => $": <>{path}",
                "m" => $"mknod {path}.m{Guid.NewGuid():N} {node.Type} {node.Major} {node.Minor}",
                _ => throw new ArgumentException(access),
            };
            return $"e=$( ({op}) 2>&1 ); case \"$e\" in *'Operation not permitted'*) echo '{p} deny' ;; *) echo '{p} allow' ;; esac";
        }));
        var sh = cg.RunInside(script);
        var output = sh.StandardOutput.ReadToEnd();
        Assert.True(sh.WaitForExit(10_000));
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToDictionary(f => f[0], f => f[1]);
    }
}
