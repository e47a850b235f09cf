namespace Berth.Ui.Tests.Fakes;

/// <summary>A clock whose timers fire only when the test calls <see cref="Fire"/>, and whose time is <see cref="Now"/> once a test sets it.</summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];
    private readonly TaskCompletionSource _created = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The time the clock tells; the system's while null.</summary>
    public DateTimeOffset? Now { get; set; }

    public override DateTimeOffset GetUtcNow() => Now ?? base.GetUtcNow();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(callback, state);
        lock (_timers) _timers.Add(timer);
        _created.TrySetResult();
        return timer;
    }

    /// <summary>Waits until the first timer has been created (streams start on the thread pool), at most 10 s.</summary>
    public void WaitForTimer()
    {
        if (!_created.Task.Wait(TimeSpan.FromSeconds(10))) throw new TimeoutException("no timer was created");
    }

    /// <summary>Runs the callback of every live timer once.</summary>
    public void Fire()
    {
        List<ManualTimer> timers;
        lock (_timers) timers = _timers.Where(t => !t.Disposed).ToList();
        foreach (var t in timers) t.Fire();
    }

    private sealed class ManualTimer(TimerCallback callback, object? state) : ITimer
    {
        public bool Disposed { get; private set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period) => !Disposed;

        public void Dispose() => Disposed = true;

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
