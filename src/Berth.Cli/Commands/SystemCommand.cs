using Berth.Engine;

namespace Berth.Cli.Commands;

/// <summary><c>berth system df|prune|events</c>: disk usage, clean-up and the event stream of this node.</summary>
public static class SystemCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        if (args.Length == 0) throw new UsageException("system: give a command: df, prune or events");
        var engine = g.Engine();
        switch (args[0])
        {
            case "df":
            {
                new DockerArgs("system df").Parse(args[1..]);
                var u = engine.DiskUsageAsync().GetAwaiter().GetResult();
                var rows = new List<string[]>
                {
                    new[] { "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE" },
                    new[] { "Images", u.Images.ToString(System.Globalization.CultureInfo.InvariantCulture), u.ActiveImages.ToString(System.Globalization.CultureInfo.InvariantCulture), Display.Size(u.ImageBytes), "-" },
                    new[] { "  blobs", "", "", Display.Size(u.BlobBytes), "" },
                    new[] { "  unpacked layers", "", "", Display.Size(u.SnapshotBytes), "" },
                    new[] { "Containers", u.Containers.ToString(System.Globalization.CultureInfo.InvariantCulture), u.RunningContainers.ToString(System.Globalization.CultureInfo.InvariantCulture), Display.Size(u.ContainerBytes), Display.Size(u.ReclaimableContainerBytes) },
                };
                Console.Out.Write(Display.Table(rows));
                return 0;
            }
            case "prune":
            {
                var p = new DockerArgs("system prune").Flag("force", "f").Flag("all", "a").Parse(args[1..]);
                if (!p.Has("force"))
                {
                    if (Console.IsInputRedirected) throw new UsageException("system prune: removes every stopped container and unused image data; add --force to confirm");
                    Console.Out.Write("This removes every stopped container and the image data nothing uses. Continue? [y/N] ");
                    if (Console.In.ReadLine()?.Trim() is not ("y" or "Y" or "yes")) return 0;
                }
                var removed = engine.PruneContainers();
                foreach (var id in removed) Console.Out.WriteLine("Deleted container: " + id);
                var report = engine.CollectGarbageAsync().GetAwaiter().GetResult();
                Console.Out.WriteLine($"Deleted {report.Blobs} blobs and {report.Snapshots} unpacked layers");
                Console.Out.WriteLine("Total reclaimed space: " + Display.Size(report.Bytes));
                return 0;
            }
            case "events":
            {
                var p = new DockerArgs("system events").Option("since").Flag("no-follow").Parse(args[1..]);
                var since = long.TryParse(p.Get("since") ?? "0", System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : throw new UsageException("system events: --since takes a sequence number");
                if (p.Has("no-follow"))
                {
                    foreach (var e in engine.Events.Read(since)) Print(e);
                    return 0;
                }
                using var cancel = new CancellationTokenSource();
                using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, ctx =>
                {
                    ctx.Cancel = true;
                    cancel.Cancel();
                });
                var it = engine.Events.FollowAsync(since, cancel.Token).GetAsyncEnumerator(cancel.Token);
                try
                {
                    while (it.MoveNextAsync().AsTask().GetAwaiter().GetResult()) Print(it.Current);
                }
                catch (OperationCanceledException)
                {
                }
                finally
                {
                    it.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
                return 0;
            }
            default:
                throw new UsageException($"system: unknown command \"{args[0]}\" (df, prune, events)");
        }
    }

    private static void Print(EngineEvent e)
        => Console.Out.WriteLine($"{e.Sequence} {ContainerLogWriter.FormatTime(e.Time)} {e.Type} {e.Action} {e.Subject}"
                                 + (e.Name is null ? "" : $" (name={e.Name}") + (e.ExitCode is { } c ? $", exitCode={c}" : "")
                                 + (e.Pid is { } pid ? $", pid={pid}" : "") + (e.Signal is { } signal ? $", signal={signal}" : "") + (e.Name is null ? "" : ")"));
}
