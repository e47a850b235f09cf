using System.Globalization;
using Berth.Runtime;
using Berth.Runtime.Spec;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth exec [--process FILE] [-d] [--pid-file F] [-t] [--console-socket S] [-e K=V] [--cwd DIR]
/// [-u UID[:GID]] [--additional-gids G] [--cap CAP] [--no-new-privs] [--apparmor PROFILE] [--process-label LABEL]
/// ID [COMMAND ARGS…]</c>.
/// Without <c>--process</c>, the container's own process settings are the template.
/// </summary>
public static class ExecCommand
{
    public static int Run(GlobalOptions g, string[] args)
    {
        var p = new ArgParser("exec")
            .Value("process", "p").Bool("detach", "d").Value("pid-file").Bool("tty", "t").Value("console-socket")
            .Value("env", "e").Value("cwd").Value("user", "u").Value("additional-gids", "g").Value("cap", "c")
            .Bool("no-new-privs").Value("process-label").Value("apparmor").Value("preserve-fds")
            .Parse(args, stopAtFirstPositional: true);
        if (p.Positional.Count == 0) throw new UsageException("exec: container id is required");
        var id = p.Positional[0];
        var rt = g.Runtime();
        ProcessSpec process;
        if (p.Get("process") is { } file)
        {
            if (p.Positional.Count > 1) throw new UsageException("exec: give either --process or a command, not both");
            process = ParseProcess(file);
        }
        else
        {
            if (p.Positional.Count < 2) throw new UsageException("exec: a command (or --process FILE) is required");
            var config = SpecLoader.Read(Path.Combine(rt.Store.Dir(id), "config.json"));
            var template = config.Process ?? new ProcessSpec();
            process = new ProcessSpec
            {
                Args = p.Positional.Skip(1).ToList(),
                Env = (template.Env ?? []).Concat(p.All("env")).ToList(),
                Cwd = p.Get("cwd") ?? template.Cwd,
                User = new UserSpec { Uid = template.User.Uid, Gid = template.User.Gid, AdditionalGids = template.User.AdditionalGids, Umask = template.User.Umask },
                Capabilities = template.Capabilities,
                Rlimits = template.Rlimits,
                NoNewPrivileges = template.NoNewPrivileges || p.Has("no-new-privs"),
                OomScoreAdj = template.OomScoreAdj,
                Terminal = p.Has("tty"),
            };
            if (p.Get("user") is { } user) ApplyUser(process.User, user);
            if (p.Get("additional-gids") is { } gids)
                process.User.AdditionalGids = gids.Split(',').Select(s => ParseId(s, "--additional-gids")).ToList();
            foreach (var cap in p.All("cap"))
            {
                var caps = process.Capabilities ??= new CapabilitiesSpec();
                foreach (var set in new[] { caps.Bounding ??= [], caps.Effective ??= [], caps.Permitted ??= [] })
                    if (!set.Contains(cap)) set.Add(cap);
            }
        }
        if (p.Has("tty")) process.Terminal = true;
        // Without them the process runs under the container's own profile and label (see ExecInit).
        if (p.Get("apparmor") is { } profile) process.ApparmorProfile = profile;
        if (p.Get("process-label") is { } label) process.SelinuxLabel = label;
        return rt.Exec(id, process, new ExecOptions
        {
            Detach = p.Has("detach"),
            PidFile = p.Get("pid-file"),
            ConsoleSocket = p.Get("console-socket"),
        });
    }

    private static byte[] ReadFile(string file)
    {
        try { return File.ReadAllBytes(file); }
        catch (FileNotFoundException) { throw new UsageException($"exec: --process {file}: no such file"); }
    }

    private static ProcessSpec ParseProcess(string file)
    {
        return SpecReader.ReadProcess(ReadFile(file), file);
    }

    private static void ApplyUser(UserSpec u, string value)
    {
        var parts = value.Split(':');
        if (parts.Length > 2) throw new UsageException($"exec: --user \"{value}\" must be UID[:GID]");
        u.Uid = ParseId(parts[0], "--user");
        if (parts.Length == 2) u.Gid = ParseId(parts[1], "--user");
    }

    private static uint ParseId(string s, string flag)
        => uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
            : throw new UsageException($"exec: {flag}: \"{s}\" is not a numeric id");
}
