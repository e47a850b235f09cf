using System.Text.Json;
using Berth.Engine;

namespace Berth.Cli.Commands;

/// <summary><c>berth image load|ls|inspect|tag|rm|prune …</c>: the node's images.</summary>
public static class ImageCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        if (args.Length == 0) throw new UsageException("image: give a command: pull, push, load, import, save, unpack, ls, inspect, tag, rm or prune");
        var rest = args[1..];
        var engine = g.Engine();
        try
        {
            return args[0] switch
            {
                "load" => Load(engine, rest),
                "pull" => Pull(engine, rest),
                "import" => Import(engine, rest),
                "unpack" => Unpack(engine, rest),
                "save" => Save(engine, rest),
                "push" => Push(engine, rest),
                "ls" or "list" => List(engine, rest),
                "inspect" => Inspect(engine, rest),
                "tag" => Tag(engine, rest),
                "rm" or "remove" => Remove(g, engine, rest),
                "prune" => Prune(engine, rest),
                _ => throw new UsageException($"image: unknown command \"{args[0]}\" (pull, push, load, import, save, unpack, ls, inspect, tag, rm, prune)"),
            };
        }
        catch (EngineException e)
        {
            g.Log("error", e.Message);
            return 1;
        }
    }

    private static int Load(ContainerEngine engine, string[] args)
    {
        var p = new DockerArgs("image load").Option("input", "i").Flag("quiet", "q").Parse(args);
        var path = p.Get("input") ?? (p.Positional.Count == 1 ? p.Positional[0] : throw new UsageException("image load: give the archive with -i FILE (a docker save archive or an OCI layout directory)"));
        // A bar on a terminal; nothing but the result lines otherwise.
        IProgress<(long Done, long Total)>? progress = p.Has("quiet") || Console.IsOutputRedirected ? null : new LoadProgressView();
        var result = engine.LoadAsync(path, progress).GetAwaiter().GetResult();
        if (progress is not null) Console.Out.WriteLine();
        if (p.Has("quiet")) return 0;
        foreach (var name in result.Names) Console.Out.WriteLine("Loaded image: " + name);
        foreach (var id in result.Unnamed) Console.Out.WriteLine("Loaded image ID: " + id + " (it has no name: give it one with berth image tag)");
        return 0;
    }

    private static int Pull(ContainerEngine engine, string[] args)
    {
        var p = new DockerArgs("image pull").Flag("quiet", "q").Option("platform").Parse(args);
        if (p.Positional.Count != 1) throw new UsageException("image pull: give exactly one image");
        Pull(engine, p.Positional[0], Console.Out, p.Has("quiet"), p.Get("platform"));
        return 0;
    }

    /// <summary>Pulls with progress and Docker's closing lines; also what <c>run</c> does for a missing image.</summary>
    public static void Pull(ContainerEngine engine, string name, TextWriter output, bool quiet, string? platform = null)
    {
        Berth.Images.Platform? chosen = null;
        if (platform is not null)
        {
            try { chosen = Berth.Images.Platform.Parse(platform); }
            catch (Berth.Images.ImageException e) { throw new UsageException("--platform: " + e.Message); }
        }
        var result = engine.PullAsync(name, new PullProgressView(output, quiet), chosen).GetAwaiter().GetResult();
        if (quiet)
        {
            output.WriteLine(result.Reference.ToString());
            return;
        }
        output.WriteLine("Digest: " + result.RepositoryDigest);
        output.WriteLine("Status: Downloaded image for " + result.Reference.Familiar);
    }

    private static int Unpack(ContainerEngine engine, string[] args)
    {
        var p = new DockerArgs("image unpack").Flag("quiet", "q").Parse(args);
        p.Require(1, "give at least one image");
        foreach (var name in p.Positional)
        {
            var n = engine.UnpackAsync(name).GetAwaiter().GetResult();
            if (!p.Has("quiet")) Console.Out.WriteLine($"{name}: {n} layer{(n == 1 ? "" : "s")} unpacked");
        }
        return 0;
    }

    private static int Import(ContainerEngine engine, string[] args)
    {
        var p = new DockerArgs("image import").Option("change", "c").Option("platform").Parse(args);
        if (p.Positional.Count != 2) throw new UsageException("image import: give a root file system tarball and a name: berth image import FILE NAME[:TAG]");
        string? user = null, workdir = null;
        List<string>? env = null, entrypoint = null, cmd = null;
        foreach (var change in p.All("change"))
        {
            // Docker's --change takes Dockerfile instructions; these are the ones that set the config.
            var space = change.IndexOf(' ', StringComparison.Ordinal);
            var (instruction, value) = space > 0 ? (change[..space].ToUpperInvariant(), change[(space + 1)..].Trim()) : (change.ToUpperInvariant(), "");
            switch (instruction)
            {
                case "USER": user = value; break;
                case "WORKDIR": workdir = value; break;
                case "ENV": (env ??= []).Add(value.Contains('=', StringComparison.Ordinal) ? value : value.Replace(' ', '=')); break;
                case "ENTRYPOINT": entrypoint = CommandForm(value, "ENTRYPOINT"); break;
                case "CMD": cmd = CommandForm(value, "CMD"); break;
                default: throw new UsageException($"image import: --change \"{change}\": only USER, WORKDIR, ENV, ENTRYPOINT and CMD are supported");
            }
        }
        Berth.Images.Platform? platform = null;
        if (p.Get("platform") is { } pl)
        {
            try { platform = Berth.Images.Platform.Parse(pl); }
            catch (Berth.Images.ImageException e) { throw new UsageException("image import: --platform: " + e.Message); }
        }
        var name = engine.ImportAsync(p.Positional[0], p.Positional[1], new Berth.Images.RootfsImportOptions
        {
            User = user, WorkingDir = workdir, Env = env, Entrypoint = entrypoint, Cmd = cmd, Platform = platform,
        }).GetAwaiter().GetResult();
        Console.Out.WriteLine(engine.ResolveImageAsync(name.ToString()).GetAwaiter().GetResult().Id);
        return 0;
    }

    /// <summary>A Dockerfile command: the JSON form (<c>["sh", "-c", "x"]</c>), or the shell form run by <c>/bin/sh -c</c>.</summary>
    private static List<string> CommandForm(string value, string instruction)
    {
        if (!value.StartsWith('[')) return ["/bin/sh", "-c", value];
        try
        {
            using var doc = JsonDocument.Parse(value);
            return doc.RootElement.EnumerateArray().Select(e => e.GetString() ?? throw new UsageException($"image import: {instruction}: every item must be a string")).ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new UsageException($"image import: {instruction} {value}: not a JSON array of strings");
        }
    }

    private static int Save(ContainerEngine engine, string[] args)
    {
        var p = new DockerArgs("image save").Option("output", "o").Option("format").Parse(args);
        p.Require(1, "give at least one image");
        var format = p.Get("format") ?? "docker-archive";
        if (format is not ("docker-archive" or "oci-archive")) throw new UsageException($"image save: --format \"{format}\" must be docker-archive or oci-archive");
        var path = p.Get("output");
        if (path is null && !Console.IsOutputRedirected) throw new UsageException("image save: refusing to write an archive to a terminal; use -o FILE or redirect the output");
        var temp = path is null ? null : path + ".berth-" + Environment.ProcessId + ".tmp";
        try
        {
            using (var output = temp is null ? Console.OpenStandardOutput() : new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                engine.SaveAsync(output, p.Positional, oci: format == "oci-archive").GetAwaiter().GetResult();
            // Written whole, or not at all: a failed save leaves no half archive under the name asked for.
            if (temp is not null) File.Move(temp, path!, overwrite: true);
        }
        finally
        {
            if (temp is not null) File.Delete(temp);
        }
        return 0;
    }

    private static int Push(ContainerEngine engine, string[] args)
    {
        var p = new DockerArgs("image push").Flag("quiet", "q").Parse(args);
        if (p.Positional.Count is < 1 or > 2) throw new UsageException("image push: give an image, and optionally where to push it");
        var result = engine.PushAsync(p.Positional[0], p.Positional.Count > 1 ? p.Positional[1] : null).GetAwaiter().GetResult();
        if (!p.Has("quiet")) Console.Out.WriteLine($"{result.Target.Familiar}: {result.BlobsUploaded} blobs pushed, {result.BlobsSkipped} already there");
        Console.Out.WriteLine("digest: " + result.Manifest.Digest);
        return 0;
    }

    private static int List(ContainerEngine engine, string[] args)
    {
        var p = new DockerArgs("image ls").Flag("quiet", "q").Flag("no-trunc").Parse(args);
        var images = engine.ListImagesAsync().GetAwaiter().GetResult();
        if (p.Has("quiet"))
        {
            foreach (var id in images.Select(i => i.Image.Id).Distinct()) Console.Out.WriteLine(p.Has("no-trunc") ? id : Display.ShortId(id));
            return 0;
        }
        var rows = new List<string[]> { new[] { "REPOSITORY", "TAG", "IMAGE ID", "SIZE" } };
        foreach (var (reference, image) in images.OrderBy(i => i.Reference.ToString(), StringComparer.Ordinal))
        {
            var familiar = reference.Familiar;
            var repo = familiar[..familiar.LastIndexOf(':')];
            var size = image.Manifest.Layers.Sum(l => l.Size) + image.Manifest.Config.Size;
            rows.Add([repo, reference.Tag ?? "<none>", p.Has("no-trunc") ? image.Id : Display.ShortId(image.Id), Display.Size(size)]);
        }
        Console.Out.Write(Display.Table(rows));
        return 0;
    }

    private static int Inspect(ContainerEngine engine, string[] args)
    {
        var p = new DockerArgs("image inspect").Parse(args);
        p.Require(1, "give at least one image");
        var status = 0;
        using var output = Console.OpenStandardOutput();
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        w.WriteStartArray();
        foreach (var name in p.Positional)
        {
            ResolvedImage image;
            try { image = engine.ResolveImageAsync(name).GetAwaiter().GetResult(); }
            catch (EngineException e)
            {
                Console.Error.WriteLine("berth: " + e.Message);
                status = 1;
                continue;
            }
            WriteImage(w, image, engine);
        }
        w.WriteEndArray();
        w.Flush();
        output.Write("\n"u8);
        return status;
    }

    /// <summary>An image as <c>image inspect</c> shows it (Docker's main fields).</summary>
    public static void WriteImage(Utf8JsonWriter w, ResolvedImage image, ContainerEngine engine)
    {
        var c = image.Config;
        w.WriteStartObject();
        w.WriteString("Id", image.Id);
        w.WriteStartArray("RepoTags");
        foreach (var (reference, other) in engine.ListImagesAsync().GetAwaiter().GetResult())
            if (other.Id == image.Id) w.WriteStringValue(reference.Familiar);
        w.WriteEndArray();
        w.WriteString("ManifestDigest", image.ManifestDescriptor.Digest.ToString());
        w.WriteString("Os", c.Platform.Os);
        w.WriteString("Architecture", c.Platform.Architecture);
        w.WriteNumber("Size", image.Manifest.Layers.Sum(l => l.Size));
        w.WriteStartObject("Config");
        w.WriteString("User", c.User);
        Strings(w, "Env", c.Env);
        Strings(w, "Entrypoint", c.Entrypoint);
        Strings(w, "Cmd", c.Cmd);
        w.WriteString("WorkingDir", c.WorkingDir);
        Strings(w, "ExposedPorts", c.ExposedPorts);
        Strings(w, "Volumes", c.Volumes);
        w.WriteStartObject("Labels");
        foreach (var (k, v) in c.Labels) w.WriteString(k, v);
        w.WriteEndObject();
        if (c.StopSignal is not null) w.WriteString("StopSignal", c.StopSignal);
        w.WriteEndObject();
        w.WriteStartObject("RootFS");
        w.WriteString("Type", "layers");
        Strings(w, "Layers", c.DiffIds.Select(d => d.ToString()).ToList());
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static int Tag(ContainerEngine engine, string[] args)
    {
        var p = new DockerArgs("image tag").Parse(args);
        if (p.Positional.Count != 2) throw new UsageException("image tag: give SOURCE and TARGET");
        engine.TagAsync(p.Positional[0], p.Positional[1]).GetAwaiter().GetResult();
        return 0;
    }

    private static int Remove(GlobalOptions g, ContainerEngine engine, string[] args)
    {
        var p = new DockerArgs("image rm").Flag("force", "f").Parse(args);
        p.Require(1, "give at least one image");
        var status = 0;
        foreach (var name in p.Positional)
        {
            try
            {
                var report = engine.RemoveImageAsync(name, p.Has("force")).GetAwaiter().GetResult();
                foreach (var n in report.Untagged) Console.Out.WriteLine("Untagged: " + n);
                if (report.Blobs + report.Snapshots > 0) Console.Out.WriteLine($"Deleted: {report.Blobs} blobs, {report.Snapshots} unpacked layers ({Display.Size(report.Bytes)})");
            }
            catch (EngineException e)
            {
                g.Log("error", e.Message);
                status = 1;
            }
        }
        return status;
    }

    private static int Prune(ContainerEngine engine, string[] args)
    {
        var p = new DockerArgs("image prune").Flag("force", "f").Flag("all", "a").Parse(args);
        _ = p;
        var report = engine.CollectGarbageAsync().GetAwaiter().GetResult();
        Console.Out.WriteLine($"Deleted {report.Blobs} blobs and {report.Snapshots} unpacked layers");
        Console.Out.WriteLine("Total reclaimed space: " + Display.Size(report.Bytes));
        return 0;
    }
}
