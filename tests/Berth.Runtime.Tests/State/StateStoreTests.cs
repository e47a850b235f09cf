using Berth.Runtime.State;
using Berth.Testing;

namespace Berth.Runtime.Tests.State;

public sealed class StateStoreTests : IDisposable
{
    private readonly string _root = TestPaths.NewDirectory("store");

    public void Dispose() => TestPaths.DeleteDirectory(_root);

    [Fact]
    public void Remove_DirectoryWithTheRuntimesFiles_LeavesNothing()
    {
        var store = new StateStore(_root);
        var dir = store.CreateDir("c1");
        foreach (var f in (string[])[StateStore.StateFile, StateStore.ConfigFile, StateStore.ExecFifo]) File.WriteAllText(Path.Join(dir, f), "x");

        store.Remove("c1");

        Assert.False(Directory.Exists(dir));
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public void Remove_DirectoryWithSomethingElseToo_RemovesThatAsWell()
    {
        var store = new StateStore(_root);
        var dir = store.CreateDir("c2");
        File.WriteAllText(Path.Join(dir, StateStore.StateFile), "{}");
        File.WriteAllText(Path.Join(dir, ".state.123.tmp"), "{");
        Directory.CreateDirectory(Path.Join(dir, "sub", "deeper"));

        store.Remove("c2");

        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void Remove_MissingId_DoesNothing()
    {
        var store = new StateStore(_root);

        store.Remove("never-made");

        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }
}
