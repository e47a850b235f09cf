namespace Berth.Cli.Commands;

/// <summary><c>berth run [-d] [--bundle DIR] [--pid-file F] [--console-socket S] [--no-pivot] ID</c>.</summary>
public static class RunCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = CreateCommand.Options("run").Bool("detach", "d").Parse(args);
        return g.Runtime().Run(p.Id(), CreateCommand.ToCreateOptions(p), p.Has("detach"));
    }
}
