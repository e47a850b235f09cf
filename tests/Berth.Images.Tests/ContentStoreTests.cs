using System.Text;
using Berth.Testing;

namespace Berth.Images.Tests;

public sealed class ContentStoreTests : IDisposable
{
    private readonly string _root = TestPaths.NewDirectory("content");
    private readonly ContentStore _store;

    public ContentStoreTests() => _store = new ContentStore(_root);

    public void Dispose() => TestPaths.DeleteDirectory(_root);

    private static byte[] Bytes(int n) => Enumerable.Range(0, n).Select(i => (byte)(i * 31 % 251)).ToArray();

    [Fact]
    public async Task WriteAsync_GoodBlob_KeptUnderItsDigestReadOnly()
    {
        var data = Bytes(300_000);
        var digest = Digest.Of(data);

        var got = await _store.WriteAsync(new MemoryStream(data), digest, data.Length);

        Assert.Equal(digest, got);
        var path = Path.Join(_root, "blobs", "sha256", digest.Hex);
        Assert.Equal(data, await File.ReadAllBytesAsync(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
        Assert.Equal([digest], _store.List());
        Assert.Equal(data.Length, _store.SizeOf(digest));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(_root, "ingest")));
    }

    [Fact]
    public async Task WriteAsync_DigestMismatch_RefusedAndNothingKept()
    {
        var data = Bytes(1000);
        var claimed = Digest.Of(Encoding.UTF8.GetBytes("something else"));

        var e = await Assert.ThrowsAsync<ImageException>(() => _store.WriteAsync(new MemoryStream(data), claimed, data.Length));

        Assert.Contains($"expected {claimed}, got {Digest.Of(data)}", e.Message, StringComparison.Ordinal);
        Assert.Empty(_store.List());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(_root, "ingest")));
    }

    [Fact]
    public async Task WriteAsync_Truncated_RefusedAndNothingKept()
    {
        var data = Bytes(1000);

        var e = await Assert.ThrowsAsync<ImageException>(() => _store.WriteAsync(new MemoryStream(data[..600]), Digest.Of(data), data.Length));

        Assert.Contains("is 600 bytes, not the 1000", e.Message, StringComparison.Ordinal);
        Assert.Empty(_store.List());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(_root, "ingest")));
    }

    [Fact]
    public async Task WriteAsync_LongerThanSaid_StopsReadingEarly()
    {
        var source = new CountingStream(new MemoryStream(Bytes(10_000_000)));

        var e = await Assert.ThrowsAsync<ImageException>(() => _store.WriteAsync(source, expectedSize: 1000));

        Assert.Contains("longer than the 1000 bytes", e.Message, StringComparison.Ordinal);
        Assert.True(source.BytesRead < 1_000_000, $"read {source.BytesRead} bytes of a blob said to be 1000");
        Assert.Empty(_store.List());
    }

    [Fact]
    public async Task WriteAsync_UnknownSizeOverTheLimit_Refused()
    {
        var e = await Assert.ThrowsAsync<ImageException>(() => _store.WriteAsync(new MemoryStream(Bytes(5000)), maxSize: 4096));

        Assert.Contains("larger than the 4096 bytes allowed", e.Message, StringComparison.Ordinal);
        Assert.Empty(_store.List());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(_root, "ingest")));
    }

    [Fact]
    public async Task WriteAsync_SameBlobTwiceAndConcurrently_OneCopy()
    {
        var data = Bytes(2_000_000);

        var digests = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => _store.WriteAsync(new MemoryStream(data), Digest.Of(data)))));

        Assert.All(digests, d => Assert.Equal(Digest.Of(data), d));
        Assert.Single(_store.List());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(_root, "ingest")));
    }

    [Fact]
    public async Task WriteAsync_Progress_ReportsBytesUpToTheWhole()
    {
        var data = Bytes(400_000);
        var seen = new List<long>();

        await _store.WriteAsync(new MemoryStream(data), progress: new SyncProgress(seen.Add));

        Assert.NotEmpty(seen);
        Assert.Equal(data.Length, seen[^1]);
        Assert.Equal(seen.Order(), seen);
    }

    [Fact]
    public async Task ReadAllAsync_BlobDamagedOnDisk_Refused()
    {
        var data = Bytes(100);
        var digest = await _store.WriteAsync(data);
        var path = _store.PathOf(digest);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllBytesAsync(path, Bytes(99).Append((byte)7).ToArray());

        var e = await Assert.ThrowsAsync<ImageException>(() => _store.ReadAllAsync(digest));

        Assert.Contains("damaged", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenReadAndDelete_MissingBlob_ClearError()
    {
        var digest = Digest.Of([1, 2, 3]);

        var e = Assert.Throws<ImageException>(() => _store.OpenRead(digest));
        Assert.Contains($"blob {digest} is not in the store", e.Message, StringComparison.Ordinal);
        Assert.False(_store.Delete(digest));
        await _store.WriteAsync(new byte[] { 1, 2, 3 });
        Assert.True(_store.Delete(digest));
        Assert.False(_store.Exists(digest));
    }

    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    [Fact]
    public async Task OpenWrite_PushedInPiecesThenCommitted_KeptUnderItsDigest()
    {
        var data = Bytes(200_000);

        Digest got;
        await using (var writer = _store.OpenWrite(Digest.Of(data), data.Length))
        {
            writer.Write(data, 0, 1000);
            await writer.WriteAsync(data.AsMemory(1000));
            got = await writer.CommitAsync();
        }

        Assert.Equal(Digest.Of(data), got);
        Assert.Equal(data, await File.ReadAllBytesAsync(_store.PathOf(got)));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(_root, "ingest")));
    }

    [Fact]
    public async Task OpenWrite_DisposedWithoutCommit_NothingKept()
    {
        await using (var writer = _store.OpenWrite())
            await writer.WriteAsync(Bytes(5000));

        Assert.Empty(_store.List());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Join(_root, "ingest")));
    }

    [Fact]
    public void OpenWrite_PastItsExpectedSize_RefusedAtOnce()
    {
        using var writer = _store.OpenWrite(expectedSize: 10);

        var e = Assert.Throws<ImageException>(() => writer.Write(Bytes(11)));

        Assert.Contains("longer than the 10 bytes", e.Message, StringComparison.Ordinal);
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
