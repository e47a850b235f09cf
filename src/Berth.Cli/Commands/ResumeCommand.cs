namespace Berth.Cli.Commands;

/// <summary><c>berth resume ID</c>.</summary>
public static class ResumeCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        g.Runtime().Resume(new ArgParser("resume").Parse(args).Id());
        return 0;
    }
}
