using Berth.Runtime;

namespace Berth.Cli.Commands;

/// <summary><c>berth create [--bundle DIR] [--pid-file F] [--console-socket S] [--no-pivot] [--no-new-keyring] ID</c>.</summary>
public static class CreateCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = Options("create").Parse(args);
        g.Runtime().Create(p.Id(), ToCreateOptions(p));
        return 0;
    }

    internal static ArgParser Options(string verb) => new ArgParser(verb)
        .Value("bundle", "b").Value("pid-file").Value("console-socket").Value("preserve-fds")
        .Bool("no-pivot").Bool("no-new-keyring");

    internal static CreateOptions ToCreateOptions(ArgParser p)
    {
        if (p.Get("preserve-fds") is { } n && n != "0")
            throw new UsageException("--preserve-fds: passing extra descriptors is not supported by berth");
        return new CreateOptions
        {
            Bundle = p.Get("bundle") ?? ".",
            PidFile = p.Get("pid-file"),
            ConsoleSocket = p.Get("console-socket"),
            NoPivot = p.Has("no-pivot"),
            NoNewKeyring = p.Has("no-new-keyring"),
            Caller = Berth.Linux.Processes.GetParentPid(),
        };
    }
}
