using Berth.Testing;

namespace Berth.Engine.Tests;

public sealed class ContainerStoreTests : IDisposable
{
    private readonly string _root = TestPaths.NewDirectory("container-store");

    public void Dispose() => TestPaths.DeleteDirectory(_root);

    private ContainerStore Store() => new(_root);

    private static ContainerRecord Record(string name, string? id = null) => new()
    {
        Id = id ?? ContainerStore.NewId(),
        Name = name,
        Image = "docker.io/library/busybox:latest",
        ImageId = "sha256:" + new string('a', 64),
        ManifestDigest = "sha256:" + new string('b', 64),
        Created = DateTimeOffset.UtcNow,
    };

    [Fact]
    public void Find_ByIdNameOrUniquePrefix_ReturnsThatContainer()
    {
        var store = Store();
        var web = Record("web");
        var db = Record("db");
        store.Add(web);
        store.Add(db);

        Assert.Equal("web", store.Find(web.Id).Name);
        Assert.Equal(db.Id, store.Find("db").Id);
        Assert.Equal(db.Id, store.Find("/db").Id);
        Assert.Equal(web.Id, store.Find(web.Id[..12]).Id);
        Assert.Contains("no such container: nothing", Assert.Throws<EngineException>(() => store.Find("nothing")).Message, StringComparison.Ordinal);
        Assert.Null(store.TryFind(ContainerStore.NewId()));
        Assert.Equal(new HashSet<string> { "web", "db" }, store.Names());
    }

    [Fact]
    public void Find_PrefixOfSeveral_SaysHowMany()
    {
        var store = Store();
        store.Add(Record("one", "ab" + new string('1', 62)));
        store.Add(Record("two", "ab" + new string('2', 62)));

        var e = Assert.Throws<EngineException>(() => store.Find("ab"));

        Assert.Contains("matches 2 containers", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_NameInUse_RefusedUntilTheHolderIsRemoved()
    {
        var store = Store();
        var first = Record("box");
        store.Add(first);

        var e = Assert.Throws<EngineException>(() => store.Add(Record("box")));
        Assert.Contains($"already in use by container {first.Id[..12]}", e.Message, StringComparison.Ordinal);
        Assert.Single(Directory.GetDirectories(_root), d => Path.GetFileName(d).Length == 64);

        store.Remove(first.Id);
        Assert.Null(store.TryFind("box"));
        var second = Record("box");
        store.Add(second);
        Assert.Equal(second.Id, store.Find("box").Id);
    }

    [Fact]
    public void Add_FailedPreparation_LeavesTheNameFree()
    {
        var store = Store();

        Assert.Throws<IOException>(() => store.Add(Record("half"), _ => throw new IOException("disk full")));

        Assert.Null(store.TryFind("half"));
        store.Add(Record("half"));
        Assert.Equal("half", store.Find("half").Name);
    }

    [Fact]
    public void Find_NameLinkLeftByACrash_CountsForNothing()
    {
        var store = Store();
        store.Add(Record("other"));
        // An add that claimed the name and died before writing the record.
        File.CreateSymbolicLink(Path.Combine(_root, ".names", "ghost"), ContainerStore.NewId());

        Assert.Null(store.TryFind("ghost"));
        var real = Record("ghost");
        store.Add(real);
        Assert.Equal(real.Id, store.Find("ghost").Id);
    }

    [Fact]
    public void Find_StoreWithoutNameIndex_FindsByNameAndTheNextAddBuildsIt()
    {
        var store = Store();
        var old = Record("old");
        store.Add(old);
        Directory.Delete(Path.Combine(_root, ".names"), recursive: true);

        Assert.Equal(old.Id, store.Find("old").Id);
        Assert.Throws<EngineException>(() => store.Add(Record("old")));
        store.Add(Record("new"));

        Assert.Equal(new[] { "new", "old" }, Directory.GetFileSystemEntries(Path.Combine(_root, ".names")).Select(Path.GetFileName).Order());
        Assert.Equal(old.Id, store.Find("old").Id);
    }

    private static ContainerRecord WithSlice(string name, uint hostUid)
    {
        var record = Record(name);
        record.UserNamespace = new UserNamespaceRange { HostUid = hostUid, HostGid = hostUid, Size = UserNamespacePool.SliceSize };
        return record;
    }

    [Fact]
    public void UserNamespacesInUse_AddedThenRemoved_HeldOnlyWhileTheContainerIs()
    {
        var store = Store();
        var one = WithSlice("one", 100_000);
        store.Add(one);
        store.Add(WithSlice("two", 165_536));
        store.Add(Record("plain"));

        Assert.Equal(new uint[] { 100_000, 165_536 }, store.UserNamespacesInUse().Order());
        store.Remove(one.Id);
        Assert.Equal(new uint[] { 165_536 }, store.UserNamespacesInUse());
    }

    [Fact]
    public void UserNamespacesInUse_StoreWithoutSliceIndex_BuildsItFromTheRecords()
    {
        var store = Store();
        store.Add(WithSlice("old", 231_072));
        Directory.Delete(Path.Combine(_root, ".userns"), recursive: true);

        Assert.Equal(new uint[] { 231_072 }, store.UserNamespacesInUse());
        Assert.Single(Directory.GetFiles(Path.Combine(_root, ".userns")));
    }

    [Fact]
    public void UserNamespacesInUse_EntryLeftByACrash_DroppedAndItsSliceFree()
    {
        var store = Store();
        store.Add(WithSlice("real", 100_000));
        // An add that claimed a slice and died before making the container's folder.
        var ghost = Path.Combine(_root, ".userns", "165536." + ContainerStore.NewId());
        File.Create(ghost).Dispose();

        Assert.Equal(new uint[] { 100_000 }, store.UserNamespacesInUse());
        Assert.False(File.Exists(ghost));
    }

    [Fact]
    public void Add_FailedPreparation_ReleasesTheSlice()
    {
        var store = Store();

        Assert.Throws<InvalidOperationException>(() => store.Add(WithSlice("fails", 100_000), _ => throw new InvalidOperationException("prepare failed")));

        Assert.Empty(store.UserNamespacesInUse());
    }
}
