using Berth.Runtime;

namespace Berth.Cli.Commands;

/// <summary><c>berth delete [--force] ID</c>.</summary>
public static class DeleteCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new ArgParser("delete").Bool("force", "f").Parse(args);
        var id = p.Id();
        var rt = g.Runtime();
        // runc treats a missing container as success under --force, which is what callers that clean up expect.
        if (p.Has("force") && !rt.Store.Exists(id)) return 0;
        rt.Delete(id, p.Has("force"));
        return 0;
    }
}
