namespace Berth.Cli;

/// <summary>
/// Decides whether <c>run</c>, <c>ps</c>, <c>exec</c>, <c>kill</c> and <c>start</c> are the runtime's (runc's command
/// line, for Podman, containerd and scripts) or the engine's (Docker's, for users). The runtime's forms are
/// recognised by what only they have: a bundle or pid file for <c>run</c>, a container id for <c>ps</c>, a process
/// file for <c>exec</c>, <c>--all</c> for <c>kill</c>; otherwise a verb is the engine's when it names one of the
/// engine's containers (and, for <c>run</c> and <c>ps</c>, always).
/// </summary>
public static class VerbRouter
{
    private static readonly string[] RuncRunFlags =
        ["bundle", "b", "pid-file", "console-socket", "no-pivot", "no-new-keyring", "preserve-fds", "keep", "no-subreaper"];

    private static readonly string[] RuncExecFlags =
        ["process", "p", "console-socket", "pid-file", "preserve-fds", "cap", "c", "no-new-privs", "apparmor", "process-label",
         "additional-gids", "g", "cgroup", "ignore-paused", "cwd"];

    /// <summary>Flags of the user verbs that take a value (so the word after them is not the container).</summary>
    private static readonly string[] ValueFlags = ["e", "env", "u", "user", "w", "workdir", "s", "signal", "format", "f", "filter", "t", "time"];

    /// <summary>Whether <paramref name="verb"/> with <paramref name="args"/> goes to the engine.</summary>
    public static bool IsEngineVerb(string verb, IReadOnlyList<string> args, string dataRoot)
    {
        switch (verb)
        {
            case "run":
                return !HasAny(args, RuncRunFlags);
            case "ps":
                return FirstPositional(args, ValueFlags) is null;
            case "exec":
                return !HasAny(args, RuncExecFlags) && IsEngineContainer(FirstPositional(args, ["e", "env", "u", "user", "w", "workdir"]), dataRoot);
            case "kill":
                return !HasAny(args, ["all", "a"]) && IsEngineContainer(FirstPositional(args, ["s", "signal"]), dataRoot);
            case "start":
                return IsEngineContainer(FirstPositional(args, []), dataRoot);
            default:
                return false;
        }
    }

    private static bool HasAny(IReadOnlyList<string> args, string[] flags)
    {
        // Only the flags before the first word that is not one: what follows is an image, a container or a command.
        foreach (var a in args)
        {
            if (a == "--" || !a.StartsWith('-')) break;
            var name = a.TrimStart('-');
            if (name.IndexOf('=', StringComparison.Ordinal) is var eq and >= 0) name = name[..eq];
            if (flags.Contains(name)) return true;
        }
        return false;
    }

    private static string? FirstPositional(IReadOnlyList<string> args, string[] valueFlags)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--") return i + 1 < args.Count ? args[i + 1] : null;
            if (!a.StartsWith('-') || a == "-") return a;
            var name = a.TrimStart('-');
            if (name.Contains('=', StringComparison.Ordinal)) continue;
            // A value flag, alone or closing a cluster of short flags (-it is two flags; -e takes the next word).
            if (valueFlags.Contains(name) || (!a.StartsWith("--", StringComparison.Ordinal) && name.Length > 1 && valueFlags.Contains(name[^1..]))) i++;
        }
        return null;
    }

    private static bool IsEngineContainer(string? name, string dataRoot)
    {
        if (string.IsNullOrEmpty(name)) return false;
        var root = Path.Combine(dataRoot, "containers");
        // Never create the data root just to look: runtime users may have none.
        if (!Directory.Exists(root)) return false;
        return new Berth.Engine.ContainerStore(root).TryFind(name) is not null;
    }
}
