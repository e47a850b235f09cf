namespace Berth.Cgroups.Tests;

/// <summary>v1 refusals that depend on files this host has, checked on a fake v1 memory hierarchy without swap accounting.</summary>
public sealed class V1FakeFsTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("berth-fakecg1-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private ICgroupManager Manager(string name)
    {
        File.WriteAllText(Path.Join(root, "memory.limit_in_bytes"), "9223372036854771712\n");
        var layout = CgroupLayout.Detect($"35 31 0:32 / {root} rw - cgroup cgroup rw,memory\n", "4:memory:/\n", null);
        return CgroupManagerFactory.Create(layout, name);
    }

    [Fact]
    public void Create_SwapWithoutMemsw_ThrowsAndLeavesNothing()
    {
        var m = Manager("c1");

        var e = Assert.Throws<CgroupException>(() => m.Create(new CgroupResources { MemoryLimit = 64 << 20, MemorySwap = 128 << 20 }));

        Assert.Contains("swap accounting is off (no memory.memsw.limit_in_bytes", e.Message);
        Assert.False(Directory.Exists(Path.Join(root, "c1")));
    }

    [Fact]
    public void Create_SwapEqualToLimitWithoutMemsw_WritesOnlyTheLimit()
    {
        var dir = Directory.CreateDirectory(Path.Join(root, "c2")).FullName;
        File.WriteAllText(Path.Join(dir, "memory.limit_in_bytes"), "");

        Manager("c2").Create(new CgroupResources { MemoryLimit = 64 << 20, MemorySwap = 64 << 20 });

        Assert.Equal("67108864", File.ReadAllText(Path.Join(dir, "memory.limit_in_bytes")));
        Assert.False(File.Exists(Path.Join(dir, "memory.memsw.limit_in_bytes")));
    }
}
