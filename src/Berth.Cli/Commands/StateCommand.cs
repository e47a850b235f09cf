using System.Text.Json;
using Berth.Runtime.Spec;

namespace Berth.Cli.Commands;

/// <summary><c>berth state ID</c>: the OCI state JSON, indented as runc prints it.</summary>
public static class StateCommand
{
    private static readonly JsonSerializerOptions Indented = new(SpecJsonContext.Default.Options) { WriteIndented = true };

    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new ArgParser("state").Parse(args);
        var state = g.Runtime().State(p.Id());
        Console.Out.WriteLine(JsonSerializer.Serialize(state, Indented.GetTypeInfo(typeof(Runtime.State.OciState))));
        return 0;
    }
}
