using System.Text;
using Berth.Linux;

namespace Berth.Linux.Tests;

/// <summary>Runs a program through <see cref="Processes.Spawn"/> with its stdout on a pipe, and reaps it.</summary>
internal static class ChildRun
{
    public static readonly string[] PathEnv = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"];

    /// <summary>Runs <c>/bin/sh -c <paramref name="script"/></c> and returns its wait status and standard output.</summary>
    public static (WaitStatus Status, string Stdout) Shell(string script, bool newSession = false)
        => Run("/bin/sh", ["sh", "-c", script], PathEnv, new Dictionary<int, int>(), newSession);

    /// <summary>
    /// Spawns <paramref name="path"/> with a pipe's write end as fd 1 (plus <paramref name="extraFds"/>),
    /// reads the pipe to end of file and waits for the child.
    /// </summary>
    public static (WaitStatus Status, string Stdout) Run(
        string path, string[] args, IReadOnlyList<string> env, IDictionary<int, int> extraFds, bool newSession = false)
    {
        var (read, write) = Fd.Pipe();
        try
        {
            var fds = new Dictionary<int, int>(extraFds) { [write] = 1 };
            int pid;
            try
            {
                pid = Processes.Spawn(new SpawnOptions { Path = path, Args = args, Env = env, Fds = fds, NewSession = newSession });
            }
            finally
            {
                Fd.Close(write);
                write = -1;
            }
            var output = Encoding.UTF8.GetString(Fd.ReadToEnd(read));
            var status = Processes.Wait(pid) ?? throw new InvalidOperationException($"child {pid} was reaped by someone else");
            return (status, output);
        }
        finally
        {
            Fd.Close(read);
            Fd.Close(write);
        }
    }

    /// <summary>Field <paramref name="field"/> (1-based, as proc(5) numbers them) of /proc/PID/stat.</summary>
    public static string StatField(int pid, int field)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return rest[field - 3];
    }

    /// <summary>The fd flags column of /proc/self/fdinfo/FD (octal).</summary>
    public static int OpenFlags(int fd)
    {
        foreach (var line in File.ReadLines($"/proc/self/fdinfo/{fd}"))
            if (line.StartsWith("flags:", StringComparison.Ordinal))
                return Convert.ToInt32(line["flags:".Length..].Trim(), 8);
        throw new InvalidOperationException($"no flags in /proc/self/fdinfo/{fd}");
    }
}
