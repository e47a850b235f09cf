using Berth.Linux;

namespace Berth.Networking;

/// <summary>One run of a helper program (a CNI plugin, nft): spawned with posix_spawn, stdin written, stdout and stderr read until the end or a deadline.</summary>
internal static class ChildProcess
{
    /// <summary>Output beyond this is not kept (a CNI result is a few KiB).</summary>
    private const int MaxOutput = 1 << 20;

    /// <summary>Runs the program (<paramref name="args"/> from argv[0]); the status is null when it was killed at the deadline.</summary>
    public static (WaitStatus? Status, byte[] Stdout, byte[] Stderr) Run(string path, IReadOnlyList<string> args, IReadOnlyList<string> env, byte[] stdin, TimeSpan timeout)
    {
        var (inRead, inWrite) = Fd.Pipe();
        var (outRead, outWrite) = Fd.Pipe();
        var (errRead, errWrite) = Fd.Pipe();
        int pid;
        try
        {
            pid = Processes.Spawn(new SpawnOptions
            {
                Path = path,
                Args = args,
                Env = env,
                Fds = new Dictionary<int, int> { [inRead] = 0, [outWrite] = 1, [errWrite] = 2 },
            });
        }
        catch
        {
            Fd.Close(inWrite);
            Fd.Close(outRead);
            Fd.Close(errRead);
            throw;
        }
        finally
        {
            Fd.Close(inRead);
            Fd.Close(outWrite);
            Fd.Close(errWrite);
        }
        var deadline = DateTime.UtcNow + timeout;
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        try
        {
            // A configuration is far below a pipe's 64 KiB, so this write does not wait for the plugin to read.
            try { Fd.WriteAll(inWrite, stdin); }
            catch (LinuxException e) when (e.Errno == Errno.EPIPE) { }
            Fd.Close(inWrite);
            inWrite = -1;
            var open = new List<int> { outRead, errRead };
            var ready = new List<int>();
            var buffer = new byte[16 * 1024];
            while (open.Count > 0)
            {
                var left = (int)Math.Max(0, (deadline - DateTime.UtcNow).TotalMilliseconds);
                if (left == 0 || !Fd.WaitAnyReadable(open, left, ready))
                {
                    Signals.TryKill(pid, Signals.SIGKILL);
                    Processes.Wait(pid);
                    return (null, stdout.ToArray(), stderr.ToArray());
                }
                foreach (var fd in ready)
                {
                    var n = Fd.Read(fd, buffer);
                    if (n == 0)
                    {
                        open.Remove(fd);
                        continue;
                    }
                    var sink = fd == outRead ? stdout : stderr;
                    if (sink.Length < MaxOutput) sink.Write(buffer, 0, n);
                }
            }
            return (Processes.Wait(pid), stdout.ToArray(), stderr.ToArray());
        }
        finally
        {
            Fd.Close(inWrite);
            Fd.Close(outRead);
            Fd.Close(errRead);
        }
    }
}
