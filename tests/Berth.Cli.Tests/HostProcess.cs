namespace Berth.Cli.Tests;

/// <summary>What the host's /proc says about a process, read without tools.</summary>
internal static class HostProcess
{
    /// <summary>The fields of /proc/PID/stat after the command name: [0] state, [1] ppid, [2] pgrp, [3] session.</summary>
    public static string[]? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // The command name is in parentheses and may hold spaces or ')'.
        var close = text.LastIndexOf(')');
        return text[(close + 2)..].Split(' ');
    }

    public static int ParentPid(int pid) => int.Parse(Stat(pid)![1]);

    public static int SessionId(int pid) => int.Parse(Stat(pid)![3]);

    public static int OwnSessionId() => SessionId(Environment.ProcessId);

    /// <summary>True while <paramref name="pid"/> exists and is not a zombie.</summary>
    public static bool IsAlive(int pid) => Stat(pid) is { } fields && fields[0] != "Z" && fields[0] != "X";

    /// <summary>True while <paramref name="pid"/> has any entry in /proc, zombie or not.</summary>
    public static bool Exists(int pid) => Stat(pid) is not null;

    /// <summary>The pids in <c>cgroup.procs</c> of <paramref name="dir"/>.</summary>
    public static List<int> CgroupProcs(string dir) =>
        File.ReadAllLines(Path.Join(dir, "cgroup.procs")).Where(l => l.Length > 0).Select(int.Parse).ToList();
}
