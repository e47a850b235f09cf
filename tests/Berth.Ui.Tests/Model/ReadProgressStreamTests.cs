using Berth.Ui.Model;

namespace Berth.Ui.Tests.Model;

public sealed class ReadProgressStreamTests
{
    [Fact]
    public async Task CopyToAsync_ReportsRunningTotalsEndingAtTheLength()
    {
        var data = new byte[200_000];
        Random.Shared.NextBytes(data);
        var reports = new List<long>();
        using var copy = new MemoryStream();

        await using (var stream = new ReadProgressStream(new MemoryStream(data), reports.Add))
        {
            await stream.CopyToAsync(copy, 16_384);
            Assert.Equal(data.Length, stream.BytesRead);
        }

        Assert.Equal(data, copy.ToArray());
        Assert.Equal(data.Length, reports[^1]);
        Assert.True(reports.Count >= data.Length / 16_384, $"{reports.Count} reports");
        Assert.Equal(reports.Order(), reports);
        Assert.Equal(reports.Distinct(), reports);
    }

    [Fact]
    public void Read_SyncAndSpan_CountedAlike()
    {
        var reports = new List<long>();
        using var stream = new ReadProgressStream(new MemoryStream(new byte[10]), reports.Add);

        Assert.Equal(4, stream.Read(new byte[4], 0, 4));
        Assert.Equal(6, stream.Read(new byte[8].AsSpan()));
        Assert.Equal(0, stream.Read(new byte[8].AsSpan()));

        Assert.Equal([4L, 10L], reports);
        Assert.Equal(10, stream.Position);
    }

    [Fact]
    public void Dispose_DisposesTheInnerStream()
    {
        var inner = new MemoryStream(new byte[1]);
        new ReadProgressStream(inner, _ => { }).Dispose();

        Assert.Throws<ObjectDisposedException>(() => inner.ReadByte());
    }

    [Fact]
    public void WriteAndSeek_NotSupported()
    {
        using var stream = new ReadProgressStream(new MemoryStream(new byte[4]), _ => { });

        Assert.False(stream.CanWrite);
        Assert.False(stream.CanSeek);
        Assert.Throws<NotSupportedException>(() => stream.Write([1], 0, 1));
        Assert.Throws<NotSupportedException>(() => stream.Seek(0, SeekOrigin.Begin));
    }
}
