namespace Berth.Engine.Tests;

public sealed class UserNamespacePoolTests
{
    private static readonly UserNamespacePool Pool = new(100_000, 200_000, 4);

    [Fact]
    public void Allocate_NothingTaken_FirstSliceWithItsUidAndGid()
    {
        var range = Pool.Allocate([]);

        Assert.Equal((100_000u, 200_000u, UserNamespacePool.SliceSize), (range.HostUid, range.HostGid, range.Size));
    }

    [Fact]
    public void Allocate_FirstTwoTaken_Third()
    {
        Assert.Equal(100_000u + 2 * UserNamespacePool.SliceSize, Pool.Allocate([100_000, 100_000 + UserNamespacePool.SliceSize]).HostUid);
    }

    [Fact]
    public void Allocate_RangeFromAnotherPoolAcrossTwoSlices_BothCountAsTaken()
    {
        // Given out when the pool started 1000 ids later: it covers the ends of slices 0 and 1.
        Assert.Equal(100_000u + 2 * UserNamespacePool.SliceSize, Pool.Allocate([101_000]).HostUid);
    }

    [Fact]
    public void Allocate_RangesBelowThePool_Ignored()
    {
        Assert.Equal(100_000u, Pool.Allocate([0, 100_000 - UserNamespacePool.SliceSize]).HostUid);
    }

    [Fact]
    public void Allocate_EverySliceTaken_SaysSoAndWhatToDo()
    {
        var all = Enumerable.Range(0, 4).Select(n => 100_000u + (uint)n * UserNamespacePool.SliceSize);

        var e = Assert.Throws<EngineException>(() => Pool.Allocate(all));

        Assert.Contains("all 4 id ranges", e.Message, StringComparison.Ordinal);
        Assert.Contains("/etc/subuid", e.Message, StringComparison.Ordinal);
    }
}
