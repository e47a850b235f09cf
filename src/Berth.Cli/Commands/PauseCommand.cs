namespace Berth.Cli.Commands;

/// <summary><c>berth pause ID</c>.</summary>
public static class PauseCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        g.Runtime().Pause(new ArgParser("pause").Parse(args).Id());
        return 0;
    }
}
