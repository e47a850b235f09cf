using System.Text.Json;
using Berth.Engine;

namespace Berth.Cli.Commands;

/// <summary><c>berth inspect NAME…</c>: containers (their records) or, failing that, images, as a JSON array.</summary>
public static class InspectCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new DockerArgs("inspect").Option("type").Parse(args);
        p.Require(1, "give at least one container or image");
        var type = p.Get("type");
        if (type is not (null or "container" or "image")) throw new UsageException($"inspect: --type \"{type}\" must be container or image");
        var engine = g.Engine();
        var status = 0;
        using var output = Console.OpenStandardOutput();
        using (var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            foreach (var name in p.Positional)
            {
                if (type is null or "container" && engine.Containers.TryFind(name) is not null)
                {
                    var record = engine.Inspect(name);
                    JsonSerializer.Serialize(w, record, EngineJsonContext.Default.ContainerRecord);
                    continue;
                }
                if (type is null or "image")
                {
                    try
                    {
                        ImageCommand.WriteImage(w, engine.ResolveImageAsync(name).GetAwaiter().GetResult(), engine);
                        continue;
                    }
                    catch (EngineException)
                    {
                    }
                }
                Console.Error.WriteLine($"berth: no such {type ?? "container or image"}: {name}");
                status = 1;
            }
            w.WriteEndArray();
        }
        output.Write("\n"u8);
        return status;
    }
}
