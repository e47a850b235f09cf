using Berth.Cgroups;
using Berth.Cli.Commands;
using Berth.Linux;
using Berth.Runtime;
using Berth.Runtime.Monitor;
using Berth.Runtime.Process;
using Berth.Runtime.Security;

namespace Berth.Cli;

/// <summary>Dispatches <c>berth [global flags] VERB [flags] [args]</c> to one command per verb.</summary>
public static class Cli
{
    private static readonly Dictionary<string, Func<GlobalOptions, string[], int>> Verbs = new(StringComparer.Ordinal)
    {
        ["create"] = CreateCommand.Run,
        ["start"] = StartCommand.Run,
        ["state"] = StateCommand.Run,
        ["kill"] = KillCommand.Run,
        ["delete"] = DeleteCommand.Run,
        ["run"] = RunCommand.Run,
        ["exec"] = ExecCommand.Run,
        ["ps"] = PsCommand.Run,
        ["list"] = ListCommand.Run,
        ["events"] = EventsCommand.Run,
        ["pause"] = PauseCommand.Run,
        ["resume"] = ResumeCommand.Run,
        ["update"] = UpdateCommand.Run,
        ["features"] = FeaturesCommand.Run,
        ["spec"] = SpecCommand.Run,
    };

    /// <summary>The user verbs (Docker's command line); run, ps, exec, kill and start go here as <see cref="VerbRouter"/> decides.</summary>
    private static readonly Dictionary<string, Func<GlobalOptions, string[], int>> EngineVerbs = new(StringComparer.Ordinal)
    {
        ["run"] = ContainerRunCommand.Run,
        ["ps"] = ContainerPsCommand.Run,
        ["exec"] = ContainerExecCommand.Run,
        ["kill"] = ContainerKillCommand.Run,
        ["start"] = ContainerStartCommand.Run,
        ["image"] = ImageCommand.Run,
        ["images"] = (g, a) => ImageCommand.Run(g, ["ls", .. a]),
        ["load"] = (g, a) => ImageCommand.Run(g, ["load", .. a]),
        ["pull"] = (g, a) => ImageCommand.Run(g, ["pull", .. a]),
        ["push"] = (g, a) => ImageCommand.Run(g, ["push", .. a]),
        ["save"] = (g, a) => ImageCommand.Run(g, ["save", .. a]),
        ["import"] = (g, a) => ImageCommand.Run(g, ["import", .. a]),
        ["tag"] = (g, a) => ImageCommand.Run(g, ["tag", .. a]),
        ["rmi"] = (g, a) => ImageCommand.Run(g, ["rm", .. a]),
        ["logs"] = LogsCommand.Run,
        ["stop"] = StopCommand.Run,
        ["rm"] = RmCommand.Run,
        ["inspect"] = InspectCommand.Run,
        ["stats"] = StatsCommand.Run,
        ["top"] = TopCommand.Run,
        ["system"] = SystemCommand.Run,
        ["network"] = NetworkCommand.Run,
    };

    /// <summary>The entry point; returns the process exit status.</summary>
    public static int Dispatch(string[] args)
    {
        // Internal re-executions come first and skip everything else: they must start fast and small.
        if (args.Length >= 2 && args[0] == "__init") return ContainerInit.Run(args[1]);
        if (args.Length >= 2 && args[0] == "__monitor")
        {
            var adopted = args.Length > 2 && args[2] == ContainerMonitor.AdoptedArg;
            var caller = args.Length > 2 && !adopted ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 0;
            return ContainerMonitor.Run(args[1], Environment.ProcessPath!, caller, adopted);
        }
        if (args.Length >= 5 && args[0] == "__shim")
        {
            var options = new Berth.Engine.EngineOptions
            {
                DataRoot = args[1],
                RuntimeRoot = args[2],
                CgroupParent = Environment.GetEnvironmentVariable("BERTH_CGROUP_PARENT") is { Length: > 0 } p ? p : null,
            };
            return args[4] == Berth.Engine.ContainerShim.ReadyMode
                ? Berth.Engine.ContainerShim.RunReady(options)
                : Berth.Engine.ContainerShim.Run(options, args[3], args[4] == "attach");
        }
        if (args.Length >= 2 && args[0] == "__waiter") return NodeWaiter.Run(args[1], Environment.ProcessPath!);
        if (args.Length >= 3 && args[0] == "__reap")
            return ContainerMonitor.Reap(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
        if (args.Length >= 4 && args[0] == "__exec")
            return ExecInit.Run(args[1], args[2], int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), args.Length > 4 ? args[4] : null);

        var g = new GlobalOptions();
        try
        {
            var i = ParseGlobal(args, g);
            if (i >= args.Length) { Console.Out.Write(Usage); return 0; }
            var verb = args[i];
            if (verb is "--version" or "-v" or "version")
            {
                Console.Out.WriteLine($"berth version {RuntimeInfo.Version}\nspec: {RuntimeInfo.OciVersion}");
                return 0;
            }
            if (verb is "help" or "--help" or "-h") { Console.Out.Write(Usage); return 0; }
            var rest = args[(i + 1)..];
            var engineVerb = EngineVerbs.TryGetValue(verb, out var userCommand) && (!Verbs.ContainsKey(verb) || VerbRouter.IsEngineVerb(verb, rest, g.DataRoot));
            if (!engineVerb && !Verbs.TryGetValue(verb, out userCommand)) throw new UsageException($"unknown command \"{verb}\" (see berth --help)");
            var command = userCommand!;
            if (g.SystemdCgroup && !Directory.Exists("/run/systemd/system"))
                throw new UsageException("--systemd-cgroup: systemd is not running on this host (no /run/systemd/system); use the default cgroupfs driver");
            g.Log("debug", "command line: berth " + string.Join(' ', args));
            var status = command(g, rest);
            g.Log("debug", $"{verb} finished with exit status {status}");
            return status;
        }
        catch (HelpRequestedException h)
        {
            // The verb's entry in the usage, with the lines that continue it (indented deeper than the verb).
            var lines = Usage.Split('\n');
            var at = Array.FindIndex(lines, l => l.TrimStart().StartsWith(h.Verb + " ", StringComparison.Ordinal));
            var entry = new List<string>();
            if (at >= 0)
            {
                var indent = lines[at].Length - lines[at].TrimStart().Length;
                entry.Add(lines[at].Trim());
                for (var k = at + 1; k < lines.Length && lines[k].Length - lines[k].TrimStart().Length > indent + 4 && lines[k].Trim().Length > 0; k++)
                    entry.Add("    " + lines[k].Trim());
            }
            Console.Out.WriteLine($"usage: berth [global flags] {h.Verb} [flags] ...\n{string.Join('\n', entry)}\nsee docs/runtime.md for every flag");
            return 0;
        }
        catch (Exception e) when (e is UsageException or RuntimeException or LinuxException or CgroupException or Berth.Engine.EngineException or Berth.Images.ImageException
                                      or SecurityConfigException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            g.Log("error", e.Message);
            return 1;
        }
    }

    private static int ParseGlobal(string[] args, GlobalOptions g)
    {
        var i = 0;
        for (; i < args.Length; i++)
        {
            var a = args[i];
            if (!a.StartsWith('-') || a is "-v" or "--version" or "-h" or "--help") break;
            var body = a.TrimStart('-');
            string? value = null;
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0) { value = body[(eq + 1)..]; body = body[..eq]; }
            string Next() => value ?? (i + 1 < args.Length ? args[++i] : throw new UsageException($"flag {a} needs a value"));
            switch (body)
            {
                case "root": g.Root = Next(); break;
                case "data-root": g.DataRoot = Next(); break;
                case "log": g.LogFile = Next(); break;
                case "log-format":
                    var format = Next();
                    if (format is not ("text" or "json")) throw new UsageException($"--log-format: \"{format}\" must be text or json");
                    g.LogFormat = format;
                    break;
                case "debug": g.Debug = true; break;
                case "systemd-cgroup": g.SystemdCgroup = value is null or "true"; break;
                case "rootless": _ = Next(); break;
                case "criu": _ = Next(); break;
                default: throw new UsageException($"unknown global flag {a}");
            }
        }
        return i;
    }

    private const string Usage = """
        berth - containers from images, and an OCI container runtime

        usage: berth [--root DIR] [--data-root DIR] [--log FILE] [--log-format text|json] [--debug] [--systemd-cgroup] COMMAND [flags] [args]

        images and containers (Docker's command line; data in --data-root, default /var/lib/berth):
          run IMAGE [CMD...]   create and start a container (-d, -i, -t, --rm, --name, -e, -v, --memory, --cpus,
                               --network none|host|NAME, -p [IP:]HOSTPORT:CTRPORT[/tcp|udp],
                               --security-opt seccomp=PATH|unconfined, ...)
          ps                   list containers (-a: stopped ones too, -q: ids only)
          logs CONTAINER       print a container's output (-f, --tail N, -t)
          stop CONTAINER...    stop containers (-t SECONDS before SIGKILL)
          start CONTAINER...   start stopped containers
          kill CONTAINER...    signal containers (-s SIGNAL, default KILL)
          rm CONTAINER...      remove containers (-f: running ones too)
          exec CONTAINER CMD   run a command in a running container (-i, -t, -d, -e, -u, -w)
          inspect NAME...      print containers or images as JSON
          stats [CONTAINER...] CPU, memory and pids (--no-stream: once)
          top CONTAINER        the container's process tree
          image                pull, push, load, import, save, unpack, ls, inspect, tag, rm, prune images
                               (also: pull, push, load, import, save, images, tag, rmi)
          system               df (disk usage), prune (stopped containers, unused image data), events
          network              ls, create (--subnet, --gateway, --label), rm, inspect, prune bridge networks

        OCI runtime (runc's command line; state in --root, default /run/berth):
          create    create a container from a bundle (--bundle, --pid-file, --console-socket, --no-pivot, --no-new-keyring)
          start     run the user process of a created container
          run       create and start a container from a bundle (--bundle; foreground, or -d/--detach)
          state     print the OCI state of a container
          kill      send a signal to a container's init (--all: to every process)
          delete    delete a stopped container (--force: any container)
          exec      run a process in a running container (--process FILE, or a command)
          ps        list the processes of a container (--format table|json)
          list      list containers (--format table|json, -q)
          events    print container stats (--stats once, or every --interval)
          pause     freeze every process of a container
          resume    thaw a paused container
          update    change a container's resource limits
          features  print what this runtime supports (JSON)
          spec      write a default config.json into a bundle

        run, ps, exec, kill and start are the runtime's when given what only runc's forms have (a bundle or pid file,
        a container id for ps, a process file, --all) or when they name no container of the engine; see docs/engine.md.

        """;
}
