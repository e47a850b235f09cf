using Berth.Runtime.State;

namespace Berth.Cli.Commands;

/// <summary><c>berth state ID</c>: the OCI state JSON, indented as runc prints it.</summary>
public static class StateCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new ArgParser("state").Parse(args);
        var state = g.Runtime().State(p.Id());
        Console.Out.WriteLine(StateSerializer.WriteOci(state, indented: true));
        return 0;
    }
}
