using System.Text;
using Berth.Testing;

namespace Berth.Images.Tests;

public sealed class ImageStoreTests : IDisposable
{
    private readonly string _root = TestPaths.NewDirectory("images");

    public void Dispose() => TestPaths.DeleteDirectory(_root);

    /// <summary>Puts a small manifest (of nothing in particular) in the store; returns its descriptor.</summary>
    private static async Task<Descriptor> PutManifest(ImageStore store, int seed)
    {
        var config = await store.Content.WriteAsync(Encoding.UTF8.GetBytes($"{{\"os\":\"linux\",\"architecture\":\"amd64\",\"seed\":{seed}}}"));
        var manifest = new ImageManifest(MediaTypes.OciManifest, new Descriptor(MediaTypes.OciConfig, config, store.Content.SizeOf(config)), []);
        var bytes = ManifestWriter.Write(manifest);
        return new Descriptor(MediaTypes.OciManifest, await store.Content.WriteAsync(bytes), bytes.Length);
    }

    [Fact]
    public async Task TagResolveUntag_RoundTripAndPersist()
    {
        var store = new ImageStore(_root);
        var m = await PutManifest(store, 1);

        store.Tag(ImageReference.Parse("busybox"), m);

        var again = new ImageStore(_root);
        Assert.Equal(m, again.Resolve(ImageReference.Parse("docker.io/library/busybox:latest")));
        Assert.Equal(["docker.io/library/busybox:latest"], again.List().Select(e => e.Reference.ToString()));
        Assert.True(again.Untag(ImageReference.Parse("busybox:latest")));
        Assert.Null(again.Resolve(ImageReference.Parse("busybox")));
        Assert.False(again.Untag(ImageReference.Parse("busybox")));
    }

    [Fact]
    public async Task Tag_Again_MovesTheName()
    {
        var store = new ImageStore(_root);
        var one = await PutManifest(store, 1);
        var two = await PutManifest(store, 2);

        store.Tag(ImageReference.Parse("app:1"), one);
        store.Tag(ImageReference.Parse("app:1"), two);

        Assert.Equal(two, store.Resolve(ImageReference.Parse("app:1")));
        Assert.Single(store.List());
    }

    [Fact]
    public async Task Resolve_ByDigest_FindsTheManifestWithoutAName()
    {
        var store = new ImageStore(_root);
        var m = await PutManifest(store, 3);

        var found = store.Resolve(ImageReference.Parse($"anything@{m.Digest}"));

        Assert.Equal(m, found);
        Assert.Null(store.Resolve(ImageReference.Parse($"anything@{Digest.Of([0])}")));
    }

    [Fact]
    public void Tag_ManifestNotInTheStore_Refused()
    {
        var store = new ImageStore(_root);

        var e = Assert.Throws<ImageException>(() => store.Tag(ImageReference.Parse("ghost"), new Descriptor(MediaTypes.OciManifest, Digest.Of([7]), 1)));

        Assert.Contains("it is not in the store", e.Message, StringComparison.Ordinal);
        Assert.Empty(store.List());
    }

    [Fact]
    public async Task Tag_ManyWritersAtOnce_NoNameLost()
    {
        var m = await PutManifest(new ImageStore(_root), 4);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            var store = new ImageStore(_root);
            for (var i = 0; i < 15; i++) store.Tag(ImageReference.Parse($"w{t}:v{i}"), m);
        })));

        Assert.Equal(8 * 15, new ImageStore(_root).List().Count);
    }

    [Fact]
    public async Task List_NamesFileDamaged_ClearError()
    {
        var store = new ImageStore(_root);
        store.Tag(ImageReference.Parse("a"), await PutManifest(store, 5));
        await File.WriteAllTextAsync(Path.Join(_root, "images.json"), "{\"images\": {\"x\": {\"digest\": 5}}}");

        var e = Assert.Throws<ImageException>(() => store.List());

        Assert.Contains("images.json is damaged", e.Message, StringComparison.Ordinal);
    }
}
