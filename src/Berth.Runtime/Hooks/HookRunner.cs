using System.Text;
using Berth.Linux;
using Berth.Runtime.Spec;

namespace Berth.Runtime.Hooks;

/// <summary>
/// Runs OCI hooks: each program gets the container's state JSON on stdin, runs with its own argv and env,
/// and is killed when its timeout passes. A hook that fails or times out is an error for the caller to handle
/// as the spec says for that hook point.
/// </summary>
public static class HookRunner
{
    /// <summary>
    /// Runs <paramref name="hooks"/> in order; throws on the first failure, naming the hook point.
    /// <paramref name="stateJson"/> is only called when there is a hook to run.
    /// </summary>
    public static void Run(string point, IReadOnlyList<HookSpec>? hooks, Func<string> stateJson)
    {
        if (hooks is not { Count: > 0 }) return;
        var json = stateJson();
        for (var i = 0; i < hooks.Count; i++) RunOne(point, i, hooks[i], json);
    }

    private static void RunOne(string point, int index, HookSpec hook, string stateJson)
    {
        var (r, w) = Fd.Pipe();
        int pid;
        try
        {
            pid = Processes.Spawn(new SpawnOptions
            {
                Path = hook.Path,
                Args = hook.Args is { Count: > 0 } a ? a : [hook.Path],
                Env = hook.Env ?? [],
                Fds = new Dictionary<int, int> { [r] = 0, [1] = 1, [2] = 2 },
            });
        }
        catch (LinuxException e)
        {
            Fd.Close(r);
            Fd.Close(w);
            throw new RuntimeException($"{point} hook #{index} ({hook.Path}): {e.Message}", e);
        }
        Fd.Close(r);
        try { Fd.WriteAll(w, Encoding.UTF8.GetBytes(stateJson)); }
        catch (LinuxException) { /* a hook need not read its stdin */ }
        Fd.Close(w);

        var pidfd = Pidfd.TryOpen(pid);
        try
        {
            var timeoutMs = hook.Timeout is { } t ? t * 1000 : -1;
            if (pidfd >= 0 && !Pidfd.WaitExit(pidfd, timeoutMs))
            {
                Pidfd.Signal(pidfd, Signals.SIGKILL);
                Processes.Wait(pid);
                throw new RuntimeException($"{point} hook #{index} ({hook.Path}) timed out after {hook.Timeout} s");
            }
        }
        finally { Fd.Close(pidfd); }
        var status = Processes.Wait(pid);
        if (status is { } s && s.ShellStatus != 0)
            throw new RuntimeException($"{point} hook #{index} ({hook.Path}) failed: " +
                (s.Exited ? $"exit status {s.ExitCode}" : $"killed by {Signals.Name(s.Signal)}"));
    }
}
