namespace Berth.Cli.Commands;

/// <summary><c>berth start CONTAINER…</c> for the engine's containers: starts created or exited ones in the background.</summary>
public static class ContainerStartCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new DockerArgs("start").Parse(args);
        p.Require(1, "give at least one container");
        return StopCommand.ForEach(g, p.Positional, (engine, name) => engine.Start(name));
    }
}
