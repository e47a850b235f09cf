using System.Globalization;
using System.Text.Json;

namespace Berth.Engine;

/// <summary>
/// Writes what a container prints to <c>container.log</c>, one JSON object per line as Docker's json-file driver
/// does (<c>{"log":"hi\n","stream":"stdout","time":"…"}</c>), and rotates it: once the file passes
/// <see cref="MaxSize"/> it becomes <c>container.log.1</c> (older ones move up, the oldest beyond
/// <see cref="MaxFiles"/> is dropped). Output is split at newlines; a line without one is kept until it ends or
/// reaches 16 KiB. Owned by the shim; not thread-safe.
/// </summary>
public sealed class ContainerLogWriter : IDisposable
{
    /// <summary>A partial line is written out once it is this long.</summary>
    public const int MaxLine = 16 * 1024;

    private readonly string _path;
    private readonly Dictionary<string, MemoryStream> _partial = new(StringComparer.Ordinal);
    private readonly MemoryStream _line = new();
    private FileStream _file;

    /// <summary>Appends to <paramref name="path"/>, rotating at <paramref name="maxSize"/> bytes, keeping <paramref name="maxFiles"/> files in all.</summary>
    public ContainerLogWriter(string path, long maxSize = 10 << 20, int maxFiles = 3)
    {
        _path = path;
        MaxSize = maxSize;
        MaxFiles = Math.Max(1, maxFiles);
        _file = Open();
    }

    public long MaxSize { get; }

    public int MaxFiles { get; }

    /// <summary>Records <paramref name="data"/> printed on <paramref name="stream"/> (<c>stdout</c> or <c>stderr</c>).</summary>
    public void Write(string stream, ReadOnlySpan<byte> data)
    {
        if (!_partial.TryGetValue(stream, out var pending)) _partial[stream] = pending = new MemoryStream();
        while (data.Length > 0)
        {
            var nl = data.IndexOf((byte)'\n');
            var take = nl >= 0 ? nl + 1 : data.Length;
            take = (int)Math.Min(take, MaxLine - pending.Length);
            pending.Write(data[..take]);
            data = data[take..];
            if ((nl >= 0 && take == nl + 1) || pending.Length >= MaxLine) Emit(stream, pending);
        }
        _file.Flush();
        if (_file.Length >= MaxSize) Rotate();
    }

    /// <summary>Writes out what is pending (lines without their newline yet).</summary>
    public void Flush()
    {
        foreach (var (stream, pending) in _partial)
            if (pending.Length > 0) Emit(stream, pending);
        _file.Flush();
    }

    public void Dispose()
    {
        Flush();
        _file.Dispose();
        _line.Dispose();
        foreach (var p in _partial.Values) p.Dispose();
    }

    /// <summary>The log files of <paramref name="path"/>, oldest first.</summary>
    public static IReadOnlyList<string> Files(string path, int maxFiles = 16)
    {
        var list = new List<string>();
        for (var i = maxFiles; i >= 1; i--)
            if (File.Exists($"{path}.{i}")) list.Add($"{path}.{i}");
        if (File.Exists(path)) list.Add(path);
        return list;
    }

    /// <summary>The time format of the log lines: RFC 3339 in UTC with nanosecond digits, as Docker's.</summary>
    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z'", CultureInfo.InvariantCulture);

    private void Emit(string stream, MemoryStream pending)
    {
        _line.SetLength(0);
        using (var w = new Utf8JsonWriter(_line))
        {
            w.WriteStartObject();
            w.WriteString("log", System.Text.Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length));
            w.WriteString("stream", stream);
            w.WriteString("time", FormatTime(DateTimeOffset.UtcNow));
            w.WriteEndObject();
        }
        _line.WriteByte((byte)'\n');
        _file.Write(_line.GetBuffer(), 0, (int)_line.Length);
        pending.SetLength(0);
    }

    private FileStream Open() => new(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);

    private void Rotate()
    {
        _file.Dispose();
        if (MaxFiles == 1)
        {
            File.Delete(_path);
        }
        else
        {
            File.Delete($"{_path}.{MaxFiles - 1}");
            for (var i = MaxFiles - 2; i >= 1; i--)
                if (File.Exists($"{_path}.{i}")) File.Move($"{_path}.{i}", $"{_path}.{i + 1}");
            File.Move(_path, $"{_path}.1");
        }
        _file = Open();
    }
}
