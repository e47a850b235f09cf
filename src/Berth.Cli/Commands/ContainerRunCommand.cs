using System.Globalization;
using Berth.Engine;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth run [flags] IMAGE [COMMAND [ARG…]]</c>: creates a container from an image and starts it, attached to
/// the terminal (exit status: the container's) or in the background with <c>-d</c> (prints its id). Status 125
/// when the container could not be created, 126 or 127 when its command could not be started.
/// </summary>
public static class ContainerRunCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        DockerArgs p;
        RunOptions options;
        ContainerEngine engine;
        ContainerRecord record;
        try
        {
            p = Parser("run").Flag("detach", "d").Parse(args, stopAtFirstPositional: true);
            p.Require(1, "an image is required: berth run [flags] IMAGE [COMMAND [ARG…]]");
            options = Options(p);
            engine = g.Engine();
            var pull = p.Get("pull") ?? "missing";
            if (pull is not ("missing" or "always" or "never")) throw new UsageException($"run: --pull \"{pull}\" must be missing, always or never");
            if (pull == "always" || (pull == "missing" && !engine.HasImage(options.Image)))
            {
                if (pull == "missing") Console.Error.WriteLine($"Unable to find image '{options.Image}' locally");
                ImageCommand.Pull(engine, options.Image, Console.Error, quiet: false);
            }
            record = engine.CreateAsync(options).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is EngineException or UsageException)
        {
            // As docker run: 125 when the container could not even be made.
            g.Log("error", e.Message);
            return 125;
        }
        var detach = p.Has("detach");
        int socket = -1;
        try
        {
            try
            {
                engine.Start(record.Id, attach: !detach);
                if (!detach) socket = AttachClient.Connect(engine.Containers.Dir(record.Id));
            }
            catch (EngineException e)
            {
                g.Log("error", e.Message);
                return ContainerEngine.StartFailureExitCode(e.Message);
            }
            if (detach)
            {
                Console.Out.WriteLine(record.Id);
                return 0;
            }
            var code = AttachClient.Run(socket, options.Interactive, options.Tty, sig =>
            {
                try { engine.Kill(record.Id, sig); }
                catch (EngineException) { }
            });
            return code ?? (engine.Containers.TryFind(record.Id)?.State.ExitCode ?? 125);
        }
        finally
        {
            Berth.Linux.Fd.Close(socket);
        }
    }

    /// <summary>The flags <c>run</c> and <c>create</c> share.</summary>
    public static DockerArgs Parser(string verb) => new DockerArgs(verb)
        .Flag("rm").Flag("interactive", "i").Flag("tty", "t").Flag("read-only")
        .Option("name").Option("env", "e").Option("env-file").Option("workdir", "w").Option("user", "u")
        .Option("memory", "m").Option("cpus").Option("pids-limit").Option("tmpfs").Option("volume", "v")
        .Option("entrypoint").Option("restart").Option("network", "net").Option("publish", "p").Option("userns").Option("hostname", "h").Option("label", "l")
        .Option("stop-signal").Option("stop-timeout").Option("pull").Option("security-opt")
        .Option("health-cmd").Option("health-interval").Option("health-timeout").Option("health-start-period").Option("health-retries").Flag("no-healthcheck");

    /// <summary>Reads the parsed flags into <see cref="RunOptions"/>; checks what the command line alone can tell.</summary>
    public static RunOptions Options(DockerArgs p)
    {
        var restart = p.Get("restart") is { } r ? RestartPolicy.Parse(r) : RestartPolicy.No;
        if (p.Has("rm") && restart.Name != "no") throw new UsageException("run: --rm and --restart cannot be used together");
        var env = new List<string>();
        foreach (var file in p.All("env-file")) env.AddRange(ReadEnvFile(file));
        env.AddRange(p.All("env"));
        env = ExpandEnv(env);
        double? cpus = null;
        if (p.Get("cpus") is { } c)
        {
            if (!double.TryParse(c, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v))
                throw new UsageException($"run: --cpus \"{c}\" is not a number");
            cpus = v;
        }
        long? pids = null;
        if (p.Get("pids-limit") is { } pl)
        {
            if (!long.TryParse(pl, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
                throw new UsageException($"run: --pids-limit \"{pl}\" is not a whole number");
            pids = v;
        }
        var stopTimeout = Whole(p, "stop-timeout");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var l in p.All("label"))
            labels[l.Split('=')[0]] = l.Contains('=', StringComparison.Ordinal) ? l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..] : "";
        return new RunOptions
        {
            Image = p.Positional[0],
            Command = p.Positional.Count > 1 ? p.Positional.Skip(1).ToList() : null,
            Name = p.Get("name"),
            Entrypoint = p.Get("entrypoint"),
            Env = env,
            WorkingDir = p.Get("workdir"),
            User = p.Get("user"),
            Hostname = p.Get("hostname"),
            Tty = p.Has("tty"),
            Interactive = p.Has("interactive"),
            AutoRemove = p.Has("rm"),
            ReadOnly = p.Has("read-only"),
            Memory = p.Get("memory") is { } m ? Display.ParseSize(m, "--memory") : null,
            Cpus = cpus,
            PidsLimit = pids,
            Tmpfs = p.All("tmpfs"),
            Volumes = p.All("volume"),
            Restart = restart,
            Network = p.Get("network") ?? "none",
            Ports = p.All("publish"),
            UserNamespace = p.Get("userns") ?? "host",
            Labels = labels,
            StopSignal = p.Get("stop-signal"),
            StopTimeout = stopTimeout,
            HealthCommand = p.Get("health-cmd"),
            HealthInterval = p.Get("health-interval") is { } hi ? Display.ParseDuration(hi, "--health-interval") : null,
            HealthTimeout = p.Get("health-timeout") is { } ht ? Display.ParseDuration(ht, "--health-timeout") : null,
            HealthStartPeriod = p.Get("health-start-period") is { } hs ? Display.ParseDuration(hs, "--health-start-period") : null,
            HealthRetries = Whole(p, "health-retries"),
            NoHealthcheck = p.Has("no-healthcheck"),
            SeccompProfile = Seccomp(p.All("security-opt")),
        };
    }

    /// <summary>
    /// <c>--security-opt seccomp=PATH|unconfined</c>, as Docker's: the profile file is read here (the engine checks
    /// it); null when none is given. Docker's other security options (AppArmor, SELinux labels,
    /// <c>no-new-privileges</c>) are refused rather than ignored.
    /// </summary>
    private static string? Seccomp(IReadOnlyList<string> options)
    {
        string? profile = null;
        foreach (var option in options)
        {
            var eq = option.IndexOf('=', StringComparison.Ordinal);
            var (key, value) = eq < 0 ? (option, "") : (option[..eq], option[(eq + 1)..]);
            if (key != "seccomp")
                throw new UsageException($"run: --security-opt \"{option}\": only seccomp=PATH or seccomp=unconfined is supported");
            if (value.Length == 0) throw new UsageException("run: --security-opt seccomp= needs a profile file or unconfined");
            if (value == SeccompProfiles.Unconfined)
            {
                profile = value;
                continue;
            }
            try { profile = File.ReadAllText(value); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"run: --security-opt seccomp={value}: {e.Message}");
            }
        }
        return profile;
    }

    /// <summary>
    /// As Docker's <c>-e NAME</c> and env-file lines: a bare name takes the value it has in the user's environment,
    /// and is left out when it has none.
    /// </summary>
    public static List<string> ExpandEnv(IEnumerable<string> entries)
        => entries.Select(e => e.Contains('=', StringComparison.Ordinal) ? e
                : Environment.GetEnvironmentVariable(e) is { } value ? $"{e}={value}" : null)
            .OfType<string>().ToList();

    /// <summary>A flag's whole number (0 or more), null when the flag is not given.</summary>
    private static int? Whole(DockerArgs p, string flag)
        => p.Get(flag) is not { } text ? null
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
            : throw new UsageException($"run: --{flag} \"{text}\" is not a whole number");

    private static IEnumerable<string> ReadEnvFile(string path)
    {
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"run: --env-file {path}: {e.Message}");
        }
        return lines.Select(l => l.TrimStart()).Where(l => l.Length > 0 && !l.StartsWith('#'));
    }
}
