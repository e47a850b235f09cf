using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Cli.Tests;

/// <summary>
/// Mount targets that a symlink in the rootfs (or in a volume shared with something that flips it) aims at the
/// host: CVE-2018-15664 and CVE-2021-30465. What the tests look at: the host folder aimed at stays as it was (no
/// file, folder or mount appears there), and the container's own mount namespace, dumped by a
/// <c>createContainer</c> hook before pivot_root (where host paths are still visible), holds no mount outside the
/// rootfs.
/// </summary>
public sealed class MountSymlinkTests : IDisposable
{
    private readonly CliHarness _h = new();
    private readonly string _host = TestPaths.NewDirectory("mount-target-host");
    private readonly string _out = TestPaths.NewDirectory("mount-symlink-out");
    private readonly string _sourceFile;

    public MountSymlinkTests()
    {
        File.WriteAllText(Path.Join(_host, "marker"), "host");
        _sourceFile = Path.Join(_out, "source-file");
        File.WriteAllText(_sourceFile, "bound");
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
            TestPaths.DeleteDirectory(_host);
        }
    }

    private static string Climbing(string hostPath) => string.Concat(Enumerable.Repeat("../", 16)) + hostPath.TrimStart('/');

    private static JsonObject Tmpfs(string destination) => new()
    {
        ["destination"] = destination, ["type"] = "tmpfs", ["source"] = "tmpfs", ["options"] = new JsonArray("size=64k"),
    };

    private static JsonObject Bind(string destination, string source, params string[] options) => new()
    {
        ["destination"] = destination, ["type"] = "bind", ["source"] = source,
        ["options"] = new JsonArray(options.Prepend("bind").Select(o => (JsonNode?)JsonValue.Create(o)).ToArray()),
    };

    private static void AddMountinfoHook(OciBundle bundle, string file)
    {
        bundle.Config["hooks"] = new JsonObject
        {
            ["createContainer"] = new JsonArray(new JsonObject
            {
                ["path"] = "/bin/sh",
                ["args"] = new JsonArray("sh", "-c", $"cat /proc/self/mountinfo > {file}"),
            }),
        };
    }

    /// <summary>Mount points (field 5 of mountinfo) that name the host folder without being inside the rootfs.</summary>
    private IEnumerable<string> MountsOnHostFolder(string mountinfo, string rootfs) =>
        mountinfo.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')[4])
            .Where(point => (point == _host || point.StartsWith(_host + "/", StringComparison.Ordinal))
                            && !point.StartsWith(rootfs + "/", StringComparison.Ordinal));

    private void AssertHostFolderUntouched()
    {
        Assert.Equal([Path.Join(_host, "marker")], Directory.GetFileSystemEntries(_host));
        Assert.Equal("host", File.ReadAllText(Path.Join(_host, "marker")));
        Assert.Empty(MountsOnHostFolder(File.ReadAllText("/proc/self/mountinfo"), "/nonexistent"));
    }

    [RequiresRootFact]
    public void Run_MountTargetsAreSymlinksOutOfRootfs_MountsLandInsideAndHostUntouched()
    {
        var script = $"cat {_host}/f {_host}/sub/f {_host}/hostfile; grep -c ' {_host}' /proc/self/mountinfo";
        var bundle = _h.NewBundle("sh", "-c", script);
        var rootfs = bundle.RootfsPath;
        File.CreateSymbolicLink(Path.Join(rootfs, "abs"), _host);
        File.CreateSymbolicLink(Path.Join(rootfs, "rel"), Climbing(_host));
        File.CreateSymbolicLink(Path.Join(rootfs, "hostfile"), Path.Join(_host, "hostfile"));
        var mounts = bundle.Config["mounts"]!.AsArray();
        mounts.Add(Tmpfs("/abs"));
        mounts.Add(Bind("/abs/f", _sourceFile, "ro"));
        mounts.Add(Tmpfs("/rel/sub"));
        mounts.Add(Bind("/rel/sub/f", _sourceFile));
        mounts.Add(Bind("/hostfile", _sourceFile));
        var mountinfo = Path.Join(_out, "mountinfo");
        AddMountinfoHook(bundle, mountinfo);
        bundle.Save();

        var result = _h.Ok("run", "--bundle", bundle.Path, UniqueId.New("c"));

        // Inside, every path resolves in the container's root: the file is bound three times, and the five
        // mounts sit on the rootfs's own copy of the host folder's path.
        Assert.Equal("boundboundbound5", result.Stdout.Replace("\n", "", StringComparison.Ordinal));
        Assert.Empty(MountsOnHostFolder(File.ReadAllText(mountinfo), rootfs));
        AssertHostFolderUntouched();
    }

    [RequiresRootTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Create_SharedVolumeFlippedToSymlinkDuringMounts_NothingLandsOnHost(bool relative)
    {
        // As in CVE-2021-30465: the bundle mounts a volume at /vol and then more mounts below /vol/d, while
        // something with the volume mounted too (here a thread of the test) swaps d between a folder and a
        // symlink to the host folder, hoping one mount resolves through the folder and lands through the link.
        var volume = TestPaths.NewDirectory("mount-race-volume");
        var stop = new CancellationTokenSource();
        Thread? flipper = null;
        try
        {
            Directory.CreateDirectory(Path.Join(volume, "d"));
            var linkTarget = relative ? Climbing(_host) : _host;
            var bundle = _h.NewBundle("true");
            var mounts = bundle.Config["mounts"]!.AsArray();
            mounts.Add(Bind("/vol", volume, "rw"));
            for (var i = 0; i < 8; i++)
            {
                mounts.Add(Tmpfs($"/vol/d/m{i}"));
            }

            mounts.Add(Bind("/vol/d/file", _sourceFile));
            var flips = 0;
            flipper = new Thread(() =>
            {
                var d = Path.Join(volume, "d");
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        // The runtime may have made d (or folders in it) while it was missing: take what is there.
                        if (new DirectoryInfo(d) is { Exists: true, LinkTarget: null })
                        {
                            Directory.Delete(d, recursive: true);
                        }

                        File.CreateSymbolicLink(d, linkTarget);
                        File.Delete(d);
                        Directory.CreateDirectory(d);
                        flips++;
                    }
                    catch (IOException)
                    {
                        // Lost a race with the runtime's mkdir; flip again.
                    }
                }
            });
            flipper.Start();

            var created = 0;
            var refused = new List<string>();
            for (var i = 0; i < 20; i++)
            {
                var mountinfo = Path.Join(_out, $"mountinfo-{i}");
                AddMountinfoHook(bundle, mountinfo);
                bundle.Save();
                var id = UniqueId.New("race");
                var result = _h.Run("create", "--bundle", bundle.Path, id);
                if (result.Succeeded)
                {
                    created++;
                    _h.Ok("delete", "--force", id);
                }
                else
                {
                    // A create that lost the race says why and leaves nothing behind.
                    Assert.StartsWith("berth: ", result.Stderr, StringComparison.Ordinal);
                    refused.Add(result.Stderr.Trim());
                    Assert.DoesNotContain(id, _h.RootEntries().Select(Path.GetFileName));
                }

                if (File.Exists(mountinfo))
                {
                    Assert.Empty(MountsOnHostFolder(File.ReadAllText(mountinfo), bundle.RootfsPath));
                }
            }

            stop.Cancel();
            flipper.Join();
            // With the flipping over and d a folder again, the same bundle creates: the refusals above were the race's,
            // not the bundle's (under load every create of the loop can lose the race).
            var d = Path.Join(volume, "d");
            if (new FileInfo(d).LinkTarget is not null) File.Delete(d);
            Directory.CreateDirectory(d);
            var calm = UniqueId.New("race");
            var calmResult = _h.Run("create", "--bundle", bundle.Path, calm);
            if (calmResult.Succeeded)
            {
                created++;
                _h.Ok("delete", "--force", calm);
            }
            else
            {
                refused.Add(calmResult.Stderr.Trim());
            }

            Assert.True(flips > 20, $"only {flips} flips happened during the creates");
            Assert.True(created > 0, $"no create succeeded: {string.Join(" | ", refused)}");
            AssertHostFolderUntouched();
        }
        finally
        {
            stop.Cancel();
            flipper?.Join();
            TestPaths.DeleteDirectory(volume);
        }
    }
}
