using Berth.Linux;

namespace Berth.Cli.Commands;

/// <summary><c>berth kill [--all] ID [SIGNAL]</c> (default SIGTERM).</summary>
public static class KillCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new ArgParser("kill").Bool("all", "a").Parse(args);
        var id = p.Id(extraAllowed: 1);
        var signal = p.Positional.Count > 1 ? Signals.Parse(p.Positional[1]) : Signals.SIGTERM;
        g.Runtime().Kill(id, signal, p.Has("all"));
        return 0;
    }
}
