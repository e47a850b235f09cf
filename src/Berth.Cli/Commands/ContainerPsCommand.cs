using Berth.Engine;

namespace Berth.Cli.Commands;

/// <summary><c>berth ps [-a] [-q] [--no-trunc]</c>: the engine's containers, running ones unless <c>-a</c>.</summary>
public static class ContainerPsCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new DockerArgs("ps").Flag("all", "a").Flag("quiet", "q").Flag("no-trunc").Parse(args);
        if (p.Positional.Count > 0) throw new UsageException("ps: takes no arguments");
        var containers = g.Engine().List(p.Has("all")).OrderByDescending(c => c.Created).ToList();
        var full = p.Has("no-trunc");
        if (p.Has("quiet"))
        {
            foreach (var c in containers) Console.Out.WriteLine(full ? c.Id : c.Id[..12]);
            return 0;
        }
        var rows = new List<string[]> { new[] { "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "NAMES" } };
        foreach (var c in containers)
        {
            var command = "\"" + string.Join(' ', c.Args) + "\"";
            rows.Add([full ? c.Id : c.Id[..12], Familiar(c.Image), full ? command : Display.Truncate(command, 20), Display.Ago(c.Created), Display.Status(c), c.Name]);
        }
        Console.Out.Write(Display.Table(rows));
        return 0;
    }

    /// <summary>An image reference as users write it (<c>busybox:latest</c> for docker.io/library/busybox:latest).</summary>
    public static string Familiar(string image)
        => Berth.Images.ImageReference.TryParse(image, out var r, out _) && r is not null ? r.Familiar : image;
}
