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

    [Theory]
    [InlineData("a")]
    [InlineData("c-1.2_3+x")]
    [InlineData("0")]
    public void ValidateId_Good_Accepted(string id) => StateStore.ValidateId(id);

    [Theory]
    [InlineData("")]
    [InlineData("-a")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    [InlineData("../x")]
    [InlineData("abc\n")]
    [InlineData("tab\there")]
    [InlineData("é")]
    public void ValidateId_Bad_RefusedNamingTheRules(string id)
    {
        var e = Assert.Throws<RuntimeException>(() => StateStore.ValidateId(id));
        Assert.Contains("use 1-128 letters, digits", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateId_Length_128AcceptedAnd129Refused()
    {
        StateStore.ValidateId(new string('a', 128));
        Assert.Throws<RuntimeException>(() => StateStore.ValidateId(new string('a', 129)));
    }
}
