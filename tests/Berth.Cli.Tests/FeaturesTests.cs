using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>
/// <c>berth features</c> (runtime-spec features.md) checked against what the runtime really does: every namespace,
/// capability, mount option, seccomp action, architecture, operator and flag and every hook point it lists is
/// used in a real container, which must run and show its effect; things it leaves out are refused.
/// </summary>
public sealed class FeaturesTests : IDisposable
{
    private readonly CliHarness _h = new();
    private readonly string _out = TestPaths.NewDirectory("features");
    private readonly JsonObject _features;

    public FeaturesTests()
    {
        _features = JsonNode.Parse(_h.Ok("features").Stdout)!.AsObject();
    }

    public void Dispose()
    {
        try
        {
            _h.Dispose();
        }
        finally
        {
            TestPaths.DeleteDirectory(_out);
        }
    }

    private string[] List(params string[] path)
    {
        JsonNode node = _features;
        foreach (var p in path)
        {
            node = node[p]!;
        }

        return node.AsArray().Select(n => (string)n!).ToArray();
    }

    private static ulong HostBounding()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("CapBnd:", StringComparison.Ordinal));
        return ulong.Parse(line.Split(':')[1].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    [RequiresRootFact]
    public void Features_Namespaces_EachListedOneIsMadeAndTimeIsRefused()
    {
        var listed = List("linux", "namespaces");
        Assert.Equal(["cgroup", "ipc", "mount", "network", "pid", "user", "uts"], listed);
        var bundle = _h.NewBundle("sh", "-c", string.Join("; ", listed.Select(n => $"readlink /proc/self/ns/{(n == "network" ? "net" : n == "mount" ? "mnt" : n)}")));
        var linux = bundle.Config["linux"]!.AsObject();
        linux["namespaces"] = new JsonArray(listed.Select(t => (JsonNode?)new JsonObject { ["type"] = t }).ToArray());
        var host = 1_000_000 + ((uint)Random.Shared.Next(0, 4000) * 65536);
        linux["uidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = host, ["size"] = 65536 });
        linux["gidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = host, ["size"] = 65536 });
        bundle.Save();

        var result = _h.Ok("run", "--bundle", bundle.Path, UniqueId.New("ns"));

        var seen = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(listed.Length, seen.Length);
        for (var i = 0; i < listed.Length; i++)
        {
            var file = seen[i].Split(':')[0];
            Assert.NotEqual(new FileInfo($"/proc/self/ns/{file}").LinkTarget, seen[i]);
        }

        linux["namespaces"]!.AsArray().Add(new JsonObject { ["type"] = "time" });
        bundle.Save();
        var refused = _h.Run("create", "--bundle", bundle.Path, UniqueId.New("time"));
        Assert.False(refused.Succeeded);
        Assert.Contains("time namespaces are not supported", refused.Stderr, StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void Features_Capabilities_AllListedAreGrantedAsTheKernelShows()
    {
        var listed = List("linux", "capabilities");
        Assert.Contains("CAP_SYS_ADMIN", listed);
        var bundle = _h.NewBundle("grep", "^CapEff:", "/proc/self/status");
        var caps = bundle.Config["process"]!["capabilities"]!.AsObject();
        caps.Remove("ambient");
        // What the host's own root cannot have (these machines' root lacks CAP_SYS_RESOURCE) no container gets: the
        // kernel refuses it (capset EPERM), so ask for the listed ones the host's bounding set holds.
        var grantable = listed.Where((_, bit) => (HostBounding() & (1UL << bit)) != 0).ToArray();
        foreach (var set in new[] { "bounding", "effective", "permitted" })
        {
            caps[set] = Strings(grantable);
        }

        bundle.Config["process"]!["noNewPrivileges"] = false;
        bundle.Save();

        var result = _h.Ok("run", "--bundle", bundle.Path, UniqueId.New("caps"));

        // CAP_CHOWN is bit 0 and the list is in bit order: every bit up to the last listed one is set.
        var effective = ulong.Parse(result.Stdout.Split(':')[1].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.Equal(((1UL << listed.Length) - 1) & HostBounding(), effective);
    }

    [RequiresRootFact]
    public void Features_MountOptions_EachListedOneIsAcceptedOnABind()
    {
        var listed = List("mountOptions");
        Assert.Contains("nosuid", listed);
        Assert.Contains("rslave", listed);
        var source = TestPaths.NewDirectory("features-bind");
        try
        {
            File.WriteAllText(Path.Join(source, "file"), "seen");
            foreach (var option in listed)
            {
                var bundle = _h.NewBundle("cat", "/mnt/file");
                bundle.Config["mounts"]!.AsArray().Add(new JsonObject
                {
                    ["destination"] = "/mnt", ["type"] = "bind", ["source"] = source,
                    ["options"] = new JsonArray("rbind", option),
                });
                bundle.Save();

                var result = _h.Run("run", "--bundle", bundle.Path, UniqueId.New("opt"));

                Assert.True(result.Succeeded && result.Stdout == "seen", $"option {option}: {result}");
            }
        }
        finally
        {
            TestPaths.DeleteDirectory(source);
        }
    }

    [RequiresRootFact]
    public void Features_Seccomp_EveryListedActionArchOperatorAndFlagLoads()
    {
        var seccomp = _features["linux"]!["seccomp"]!;
        Assert.True((bool)seccomp["enabled"]!);
        var actions = List("linux", "seccomp", "actions");
        var operators = List("linux", "seccomp", "operators");
        Assert.Equal(List("linux", "seccomp", "knownFlags"), List("linux", "seccomp", "supportedFlags"));

        // A rule per action on a syscall busybox's mkdir and true never make (one per operator for ERRNO on
        // mkdir's mode argument, which decides the outcome that shows), every listed architecture, every flag.
        var unused = new Queue<string>(["acct", "swapon", "swapoff", "reboot", "pivot_root", "syslog", "vhangup", "iopl", "ioperm", "kexec_load"]);
        var rules = new JsonArray();
        foreach (var action in actions.Where(a => a is not ("SCMP_ACT_ALLOW" or "SCMP_ACT_NOTIFY")))
        {
            rules.Add(new JsonObject { ["names"] = new JsonArray(unused.Dequeue()), ["action"] = action });
        }

        foreach (var op in operators)
        {
            // mode 0700 = 448: every comparison below is true for it, and each rule ANDs only one.
            var (value, valueTwo) = op switch
            {
                "SCMP_CMP_NE" => (1UL, 0UL),
                "SCMP_CMP_LT" => (449UL, 0UL),
                "SCMP_CMP_LE" => (448UL, 0UL),
                "SCMP_CMP_EQ" => (448UL, 0UL),
                "SCMP_CMP_GE" => (448UL, 0UL),
                "SCMP_CMP_GT" => (447UL, 0UL),
                "SCMP_CMP_MASKED_EQ" => (0x1c0UL, 0x1c0UL),
                _ => throw new InvalidOperationException($"features lists an operator this test does not know: {op}"),
            };
            rules.Add(new JsonObject
            {
                ["names"] = new JsonArray("mkdir", "mkdirat"),
                ["action"] = "SCMP_ACT_ERRNO",
                ["errnoRet"] = 13,
                ["args"] = new JsonArray(new JsonObject { ["index"] = 1, ["value"] = value, ["valueTwo"] = valueTwo, ["op"] = op }),
            });
        }

        var bundle = _h.NewBundle("sh", "-c", "true; mkdir -m 0700 /tmp/x 2>&1; echo $?");
        bundle.Config["mounts"]!.AsArray().Add(new JsonObject { ["destination"] = "/tmp", ["type"] = "tmpfs", ["source"] = "tmpfs" });
        bundle.Config["linux"]!["seccomp"] = new JsonObject
        {
            ["defaultAction"] = "SCMP_ACT_ALLOW",
            ["architectures"] = Strings(List("linux", "seccomp", "archs")),
            ["flags"] = Strings(List("linux", "seccomp", "knownFlags")),
            ["syscalls"] = rules,
        };
        bundle.Save();

        var result = _h.Ok("run", "--bundle", bundle.Path, UniqueId.New("seccomp"));

        // mkdirat's mode is argument 2, so only mkdir (x86_64 busybox uses it) is caught; either way EACCES shows.
        Assert.Contains("Permission denied", result.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("1\n", result.Stdout, StringComparison.Ordinal);
    }

    [RequiresRootFact]
    public void Features_Hooks_EveryListedPointRunsInOneLifecycle()
    {
        var listed = List("hooks");
        var bundle = _h.NewBundle("true");
        var hooks = new JsonObject();
        foreach (var point in listed)
        {
            // startContainer runs inside the container, whose /tmp is the rootfs's: it writes its mark there.
            var target = point == "startContainer" ? "/mark-startContainer" : Path.Join(_out, point);
            hooks[point] = new JsonArray(new JsonObject { ["path"] = "/bin/sh", ["args"] = new JsonArray("sh", "-c", $"cat > {target}") });
        }

        bundle.Config["hooks"] = hooks;
        bundle.Config["root"]!["readonly"] = false;
        bundle.Save();

        _h.Ok("run", "--bundle", bundle.Path, UniqueId.New("hooks"));

        foreach (var point in listed)
        {
            var file = point == "startContainer" ? Path.Join(bundle.RootfsPath, "mark-startContainer") : Path.Join(_out, point);
            Assert.True(File.Exists(file), $"the {point} hook did not run");
        }
    }
}
