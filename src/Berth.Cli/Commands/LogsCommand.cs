using System.Globalization;
using System.Text;
using Berth.Engine;

namespace Berth.Cli.Commands;

/// <summary><c>berth logs [-f] [--tail N] [-t] CONTAINER</c>: what the container printed, stdout and stderr on ours.</summary>
public static class LogsCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new DockerArgs("logs").Flag("follow", "f").Flag("timestamps", "t").Option("tail", "n").Parse(args);
        if (p.Positional.Count != 1) throw new UsageException("logs: give exactly one container");
        int? tail = null;
        if (p.Get("tail") is { } t && t != "all")
        {
            if (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) throw new UsageException($"logs: --tail \"{t}\" is not a number (or all)");
            tail = n;
        }
        var engine = g.Engine();
        var record = engine.Containers.Find(p.Positional[0]);
        var path = engine.LogPath(record);
        var stamps = p.Has("timestamps");
        if (!p.Has("follow"))
        {
            foreach (var line in ContainerLogReader.Read(path, tail)) Write(line, stamps);
            return 0;
        }
        using var cancel = new CancellationTokenSource();
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, ctx =>
        {
            ctx.Cancel = true;
            cancel.Cancel();
        });
        var follow = ContainerLogReader.FollowAsync(path, tail, () => engine.Containers.TryFind(record.Id) is { } r && ContainerEngine.IsShimAlive(r), cancel.Token);
        var e = follow.GetAsyncEnumerator(cancel.Token);
        try
        {
            while (e.MoveNextAsync().AsTask().GetAwaiter().GetResult()) Write(e.Current, stamps);
        }
        finally
        {
            e.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return 0;
    }

    private static void Write(ContainerLogLine line, bool stamps)
    {
        var text = stamps ? ContainerLogWriter.FormatTime(line.Time) + " " + line.Text : line.Text;
        Berth.Linux.Fd.WriteAll(line.Stream == "stderr" ? 2 : 1, Encoding.UTF8.GetBytes(text));
    }
}
