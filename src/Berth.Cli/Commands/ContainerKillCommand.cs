using Berth.Linux;

namespace Berth.Cli.Commands;

/// <summary><c>berth kill [-s SIGNAL] CONTAINER…</c> (default SIGKILL, as Docker) for the engine's containers.</summary>
public static class ContainerKillCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new DockerArgs("kill").Option("signal", "s").Parse(args);
        p.Require(1, "give at least one container");
        int signal;
        try { signal = Signals.Parse(p.Get("signal") ?? "KILL"); }
        catch (ArgumentException e) { throw new UsageException("kill: " + e.Message); }
        return StopCommand.ForEach(g, p.Positional, (engine, name) => engine.Kill(name, signal));
    }
}
