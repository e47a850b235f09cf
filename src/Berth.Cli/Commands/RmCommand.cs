namespace Berth.Cli.Commands;

/// <summary><c>berth rm [-f] CONTAINER…</c>: removes containers (running ones with <c>-f</c>, killed first).</summary>
public static class RmCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new DockerArgs("rm").Flag("force", "f").Parse(args);
        p.Require(1, "give at least one container");
        return StopCommand.ForEach(g, p.Positional, (engine, name) => engine.Remove(name, p.Has("force")));
    }
}
