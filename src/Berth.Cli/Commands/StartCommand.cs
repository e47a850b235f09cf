namespace Berth.Cli.Commands;

/// <summary><c>berth start ID</c>.</summary>
public static class StartCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new ArgParser("start").Parse(args);
        g.Runtime().Start(p.Id());
        return 0;
    }
}
