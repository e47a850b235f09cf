using System.Text.Json;

namespace Berth.Engine;

/// <summary>Reads and follows the log files <see cref="ContainerLogWriter"/> writes.</summary>
public static class ContainerLogReader
{
    /// <summary>The lines of every rotated file and the current one, oldest first; the last <paramref name="tail"/> only when given.</summary>
    public static IReadOnlyList<ContainerLogLine> Read(string path, int? tail = null)
    {
        var lines = new List<ContainerLogLine>();
        foreach (var file in ContainerLogWriter.Files(path))
        {
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                ReadFrom(stream, lines);
            }
            catch (FileNotFoundException)
            {
                // Rotated away between the listing and the open.
            }
        }
        return tail is { } n && n < lines.Count ? lines[^n..] : lines;
    }

    /// <summary>
    /// Follows the log: yields the lines already there (the last <paramref name="tail"/> when given), then new ones
    /// as they are written, across rotations, until <paramref name="running"/> says the container stopped and the
    /// file is read to its end, or <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public static async IAsyncEnumerable<ContainerLogLine> FollowAsync(string path, int? tail, Func<bool> running,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(running);
        FileStream? stream = null;
        try
        {
            // Open the current file first, then read the older ones: what is written meanwhile is in the open one.
            stream = TryOpen(path);
            ulong? inode = stream is null ? null : InodeOf(stream);
            var initial = new List<ContainerLogLine>();
            foreach (var file in ContainerLogWriter.Files(path).Where(f => f != path))
            {
                using var old = TryOpen(file);
                if (old is not null) ReadFrom(old, initial);
            }
            if (stream is not null) ReadFrom(stream, initial);
            foreach (var line in tail is { } n && n < initial.Count ? initial[^n..] : initial) yield return line;

            while (!cancellationToken.IsCancellationRequested)
            {
                var alive = running();
                var fresh = new List<ContainerLogLine>();
                if (stream is not null) ReadFrom(stream, fresh);
                // Rotated: finish the old file (done above), then go on with the new one from its start.
                if (Inode(path) is { } now && now != inode)
                {
                    stream?.Dispose();
                    stream = TryOpen(path);
                    inode = stream is null ? null : InodeOf(stream);
                    if (stream is not null) ReadFrom(stream, fresh);
                }
                foreach (var line in fresh) yield return line;
                if (!alive && fresh.Count == 0) yield break;
                try { await Task.Delay(50, cancellationToken).ConfigureAwait(false); }
                catch (OperationCanceledException) { yield break; }
            }
        }
        finally
        {
            stream?.Dispose();
        }
    }

    private static FileStream? TryOpen(string path)
    {
        try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
    }

    /// <summary>The inode of the file the stream has open (not of whatever the path names by now).</summary>
    private static ulong InodeOf(FileStream stream) => Berth.Linux.FilesAt.Stat((int)stream.SafeFileHandle.DangerousGetHandle()).Inode;

    private static ulong? Inode(string path)
    {
        var fd = Berth.Linux.Fd.TryOpen(path, Berth.Linux.Fd.O_PATH, out _);
        if (fd < 0) return null;
        try { return Berth.Linux.FilesAt.Stat(fd).Inode; }
        finally { Berth.Linux.Fd.Close(fd); }
    }

    /// <summary>Reads whole lines from the stream's position on; a line still being written is left for the next read.</summary>
    private static void ReadFrom(FileStream stream, List<ContainerLogLine> lines)
    {
        var start = stream.Position;
        var length = stream.Length;
        if (length <= start) return;
        var buffer = new byte[length - start];
        stream.ReadExactly(buffer);
        var consumed = 0;
        while (consumed < buffer.Length)
        {
            var nl = Array.IndexOf(buffer, (byte)'\n', consumed);
            if (nl < 0) break;
            if (Parse(buffer.AsSpan(consumed, nl - consumed)) is { } line) lines.Add(line);
            consumed = nl + 1;
        }
        stream.Position = start + consumed;
    }

    private static ContainerLogLine? Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            string? log = null, stream = null;
            DateTimeOffset time = default;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "log": log = reader.GetString(); break;
                    case "stream": stream = reader.GetString(); break;
                    case "time": time = DateTimeOffset.Parse(reader.GetString()!, System.Globalization.CultureInfo.InvariantCulture); break;
                    default: reader.Skip(); break;
                }
            }
            return log is null || stream is null ? null : new ContainerLogLine(time, stream, log);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }
}
