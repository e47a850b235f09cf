using System.Text;
using System.Text.Json;

namespace Berth.Engine;

/// <summary>
/// The node's durable stream of lifecycle events, one JSON object per line in <c>DATA/events.jsonl</c>. Appends
/// happen under an exclusive lock, which also numbers the events; readers follow the file from any sequence
/// number, so a consumer (the control plane) resumes where it stopped after a restart.
/// </summary>
public sealed class EventLog
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Uses the event log <paramref name="path"/>.</summary>
    public EventLog(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
    }

    /// <summary>The log file.</summary>
    public string Path { get; }

    /// <summary>Appends an event (its time and sequence number set here); returns it as written.</summary>
    public EngineEvent Append(EngineEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        using (FileLock.Take(Path + ".lock", LockTimeout))
        {
            var written = e with { Sequence = LastSequence() + 1, Time = DateTimeOffset.UtcNow };
            var line = JsonSerializer.SerializeToUtf8Bytes(written, EngineJsonContext.Default.EngineEvent);
            using var file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
            file.Seek(0, SeekOrigin.End);
            // A line cut short by a crash mid-append is closed first, so that it does not swallow this one.
            if (file.Length > 0)
            {
                file.Seek(-1, SeekOrigin.End);
                if (file.ReadByte() != '\n') file.WriteByte((byte)'\n');
            }
            file.Write(line);
            file.WriteByte((byte)'\n');
            return written;
        }
    }

    /// <summary>The events after sequence number <paramref name="after"/>, oldest first.</summary>
    public IReadOnlyList<EngineEvent> Read(long after = 0)
    {
        var list = new List<EngineEvent>();
        if (!File.Exists(Path)) return list;
        foreach (var line in File.ReadLines(Path, Encoding.UTF8))
        {
            if (line.Length == 0) continue;
            EngineEvent? e;
            try { e = JsonSerializer.Deserialize(line, EngineJsonContext.Default.EngineEvent); }
            catch (JsonException) { continue; } // a line cut short by a crash mid-append
            if (e is not null && e.Sequence > after) list.Add(e);
        }
        return list;
    }

    /// <summary>
    /// Follows the log: yields the events after <paramref name="after"/>, then new ones as they are appended, until
    /// <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async IAsyncEnumerable<EngineEvent> FollowAsync(long after, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var e in Read(after))
            {
                after = e.Sequence;
                yield return e;
            }
            try { await Task.Delay(100, cancellationToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { yield break; }
        }
    }

    private long LastSequence()
    {
        if (!File.Exists(Path)) return 0;
        // Only the last line matters: read the file's tail.
        using var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var length = file.Length;
        var tail = new byte[(int)Math.Min(length, 4096)];
        file.Seek(length - tail.Length, SeekOrigin.Begin);
        file.ReadExactly(tail);
        var lines = Encoding.UTF8.GetString(tail).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = lines.Length - 1; i >= 0; i--)
        {
            try
            {
                if (JsonSerializer.Deserialize(lines[i], EngineJsonContext.Default.EngineEvent) is { } e) return e.Sequence;
            }
            catch (JsonException)
            {
            }
        }
        return 0;
    }
}
