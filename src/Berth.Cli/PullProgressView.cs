using Berth.Images;
using Berth.Images.Registry;

namespace Berth.Cli;

/// <summary>
/// Shows a pull's progress: on a terminal, one line per layer redrawn in place with a bar; otherwise one line per
/// layer once it is done, so logs stay readable.
/// </summary>
public sealed class PullProgressView : IProgress<PullProgress>
{
    private readonly object _gate = new();
    private readonly List<Digest> _order = [];
    private readonly Dictionary<Digest, PullProgress> _layers = [];
    private readonly TextWriter _output;
    private readonly bool _terminal;
    private readonly bool _quiet;
    private int _drawn;

    /// <summary>Writes to <paramref name="output"/> (stdout for pull, stderr for run, whose stdout is the container's).</summary>
    public PullProgressView(TextWriter output, bool quiet)
    {
        _output = output;
        _quiet = quiet;
        _terminal = output == Console.Error ? !Console.IsErrorRedirected : !Console.IsOutputRedirected;
    }

    public void Report(PullProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (_quiet) return;
        lock (_gate)
        {
            if (!_layers.ContainsKey(value.Layer)) _order.Add(value.Layer);
            var before = _layers.GetValueOrDefault(value.Layer);
            _layers[value.Layer] = value;
            if (_terminal)
            {
                Redraw();
            }
            else if (value.State is PullProgressState.Complete or PullProgressState.AlreadyExists && before?.State != value.State)
            {
                _output.WriteLine(Line(value));
            }
        }
    }

    private void Redraw()
    {
        var sb = new System.Text.StringBuilder();
        if (_drawn > 0) sb.Append($"\x1b[{_drawn}A");
        foreach (var d in _order) sb.Append("\x1b[2K").Append(Line(_layers[d])).Append('\n');
        _drawn = _order.Count;
        _output.Write(sb.ToString());
    }

    private static string Line(PullProgress p)
    {
        var id = p.Layer.Hex[..12];
        return p.State switch
        {
            PullProgressState.Waiting => $"{id}: Waiting",
            PullProgressState.AlreadyExists => $"{id}: Already exists",
            PullProgressState.Complete => $"{id}: Pull complete",
            _ => $"{id}: Downloading {Bar(p.Done, p.Total)} {Display.Size(p.Done)}/{Display.Size(p.Total)}",
        };
    }

    private static string Bar(long done, long total)
    {
        const int width = 30;
        var filled = total > 0 ? (int)(width * Math.Min(done, total) / total) : 0;
        return "[" + new string('=', Math.Max(0, filled - 1)) + (filled > 0 ? ">" : "") + new string(' ', width - filled) + "]";
    }
}
