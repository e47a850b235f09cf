using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>A namespace entry with a <c>path</c> joins that namespace instead of creating one.</summary>
public sealed class NamespaceJoinTests : IDisposable
{
    private readonly CliHarness _h = new();
    private readonly string _idA = UniqueId.New("a");
    private readonly string _idB = UniqueId.New("b");

    public void Dispose() => _h.Dispose();

    private static void SetNamespacePath(OciBundle bundle, string type, string path)
    {
        var namespaces = bundle.Config["linux"]!["namespaces"]!.AsArray();
        namespaces.First(n => (string?)n!["type"] == type)!["path"] = path;
        bundle.Save();
    }

    [RequiresRootFact]
    public void Run_NetworkNamespacePathOfAnotherContainer_SeesTheSameNamespace()
    {
        var a = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(a, _idA);
        var pidA = _h.InitPid(_idA);
        var b = _h.NewBundle("readlink", "/proc/self/ns/net");
        SetNamespacePath(b, "network", $"/proc/{pidA}/ns/net");

        var result = _h.Run("run", "--bundle", b.Path, _idB);

        Assert.True(result.Succeeded, result.ToString());
        var insideA = _h.Ok("exec", _idA, "readlink", "/proc/self/ns/net").Stdout.Trim();
        Assert.StartsWith("net:[", insideA, StringComparison.Ordinal);
        Assert.Equal(insideA, result.Stdout.Trim());
        Assert.Equal(insideA, new FileInfo($"/proc/{pidA}/ns/net").LinkTarget);
        Assert.NotEqual(new FileInfo("/proc/self/ns/net").LinkTarget, insideA);
    }

    [RequiresRootFact]
    public void Create_NamespacePathMissing_FailsNamingThePathAndLeavesNothing()
    {
        var missing = $"/proc/999999999/ns/net";
        var b = _h.NewBundle("sleep", "30");
        SetNamespacePath(b, "network", missing);

        var result = _h.Run("create", "--bundle", b.Path, _idB);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(missing, result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_h.StateDir(_idB)), $"{_h.StateDir(_idB)} left behind");
        Assert.Empty(HostCgroups.Leftovers(_idB));
    }

    [RequiresRootFact]
    public void Create_NamespacePathOfWrongType_FailsWithSetnsAndLeavesNothing()
    {
        var a = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(a, _idA);
        var b = _h.NewBundle("sleep", "30");
        SetNamespacePath(b, "network", $"/proc/{_h.InitPid(_idA)}/ns/uts");

        var result = _h.Run("create", "--bundle", b.Path, _idB);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("setns", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_h.StateDir(_idB)), $"{_h.StateDir(_idB)} left behind");
        Assert.Empty(HostCgroups.Leftovers(_idB));
    }

    [RequiresRootFact]
    public void Run_NamespacePathOfWrongType_FailsCleanlyEveryTime()
    {
        var a = _h.NewBundle("sleep", "30");
        _h.CreateAndStart(a, _idA);
        var b = _h.NewBundle("true");
        SetNamespacePath(b, "network", $"/proc/{_h.InitPid(_idA)}/ns/uts");

        for (var round = 0; round < 12; round++)
        {
            var id = $"{_idB}-{round}";

            var result = _h.Run("run", "--bundle", b.Path, id);

            Assert.True(result.ExitCode == 1, $"round {round}: {result}");
            Assert.Contains("setns", result.Stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(_h.StateDir(id)), $"round {round}: {_h.StateDir(id)} left behind");
            Assert.Empty(HostCgroups.Leftovers(id));
        }
    }
}
