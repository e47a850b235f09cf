using Berth.Linux;

namespace Berth.Linux.Tests;

/// <summary>A child started with <see cref="Processes.Spawn"/> that is killed and reaped on dispose unless the test reaped it.</summary>
internal sealed class SpawnedChild : IDisposable
{
    private bool _reaped;

    public SpawnedChild(SpawnOptions options) => Pid = Processes.Spawn(options);

    public int Pid { get; }

    public static SpawnedChild Sleep(bool newSession = false)
        => new(new SpawnOptions { Path = "/bin/sleep", Args = ["sleep", "60"], Env = [], NewSession = newSession });

    public WaitStatus Wait()
    {
        var status = Processes.Wait(Pid) ?? throw new InvalidOperationException($"child {Pid} was reaped by someone else");
        _reaped = true;
        return status;
    }

    /// <summary>Polls /proc until the child's state letter is <paramref name="state"/>; false after five seconds.</summary>
    public bool WaitForState(char state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            if (Processes.State(Pid) == state) return true;
            Thread.Sleep(10);
        }
        return false;
    }

    public void Dispose()
    {
        if (_reaped) return;
        Signals.TryKill(Pid, Signals.SIGKILL);
        Processes.Wait(Pid);
        _reaped = true;
    }
}
