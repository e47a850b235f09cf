using System.Globalization;
using Berth.Engine;

namespace Berth.Cli.Commands;

/// <summary><c>berth stop [-t SECONDS] CONTAINER…</c>: the stop signal, then SIGKILL after the timeout.</summary>
public static class StopCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new DockerArgs("stop").Option("time", "t", "timeout").Parse(args);
        p.Require(1, "give at least one container");
        int? timeout = null;
        if (p.Get("time") is { } t)
        {
            if (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var v)) throw new UsageException($"stop: -t \"{t}\" is not a whole number of seconds");
            timeout = v;
        }
        return ForEach(g, p.Positional, (engine, name) => engine.Stop(name, timeout));
    }

    /// <summary>Runs <paramref name="action"/> on each container, printing each name done and each error; status 1 if any failed.</summary>
    public static int ForEach(GlobalOptions g, IEnumerable<string> names, Action<ContainerEngine, string> action)
    {
        var engine = g.Engine();
        var status = 0;
        foreach (var name in names)
        {
            try
            {
                action(engine, name);
                Console.Out.WriteLine(name);
            }
            catch (EngineException e)
            {
                g.Log("error", e.Message);
                status = 1;
            }
        }
        return status;
    }
}
