using System.Text;
using System.Text.Json;
using Berth.Engine;

namespace Berth.ControlPlane.Workers;

/// <summary>
/// Reads the engine's event journal (<c>events.jsonl</c>) incrementally from a byte offset, so that following it
/// costs only what was appended. Lines cut short by a crash mid-append are skipped, as the engine does.
/// </summary>
public sealed class EngineEventTail(string path)
{
    private long _offset;

    /// <summary>Whether the journal holds bytes not read yet (or was replaced by a shorter one).</summary>
    public bool HasNew()
    {
        try { return new FileInfo(path) is { Exists: true } f && f.Length != _offset; }
        catch (IOException) { return true; }
    }

    /// <summary>The events appended since the last call whose sequence is above <paramref name="after"/>.</summary>
    public IReadOnlyList<EngineEvent> ReadNew(long after)
    {
        var list = new List<EngineEvent>();
        FileStream file;
        try { file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete); }
        catch (FileNotFoundException) { return list; }
        catch (DirectoryNotFoundException) { return list; }
        using (file)
        {
            // Replaced or truncated: start over (sequence numbers keep us from repeating anything).
            if (file.Length < _offset) _offset = 0;
            if (file.Length == _offset) return list;
            file.Seek(_offset, SeekOrigin.Begin);
            var bytes = new byte[file.Length - _offset];
            file.ReadExactly(bytes);
            var end = Array.LastIndexOf(bytes, (byte)'\n');
            if (end < 0) return list;
            _offset += end + 1;
            foreach (var line in Encoding.UTF8.GetString(bytes, 0, end).Split('\n'))
            {
                if (line.Length == 0) continue;
                EngineEvent? e;
                try { e = JsonSerializer.Deserialize(line, EngineJsonContext.Default.EngineEvent); }
                catch (JsonException) { continue; }
                if (e is not null && e.Sequence > after) list.Add(e);
            }
        }
        return list;
    }
}
