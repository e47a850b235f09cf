using System.Text;
using Berth.Linux;
using Berth.Runtime.Spec;

namespace Berth.Engine;

/// <summary>
/// Runs a container's health probes from its shim: every interval, <c>berth exec --process</c> of the probe command
/// (the container's user, directory and environment), its output read through a pipe (the first 4 KiB kept), killed
/// at its timeout (SIGTERM, which berth exec hands to the probe, then SIGKILL). The shim's loop polls
/// <see cref="Fds"/>, calls <see cref="Tick"/> and hands over the probe's exit through <see cref="OnExit"/>; results go
/// to the container's record as Docker keeps them, with a <c>health_status</c> event when the status changes.
/// </summary>
internal sealed class HealthProbe : IDisposable
{
    private const int MaxOutput = 4096;
    private readonly ContainerEngine _engine;
    private readonly string _id;
    private readonly HealthSettings _settings;
    private readonly string _processFile;
    private readonly DateTime _startedAt = DateTime.UtcNow;
    private readonly MemoryStream _output = new();
    private DateTime _nextDue;
    private DateTime _probeStarted;
    private DateTime? _terminatedAt;
    private int _pid = -1;
    private int _outputFd = -1;

    public HealthProbe(ContainerEngine engine, string id, HealthSettings settings, ProcessSpec containerProcess, string dir)
    {
        _engine = engine;
        _id = id;
        _settings = settings;
        _nextDue = _startedAt + settings.Interval;
        _processFile = Path.Combine(dir, "health-process.json");
        var process = new ProcessSpec
        {
            Terminal = false,
            Args = settings.Command(),
            Env = containerProcess.Env,
            Cwd = containerProcess.Cwd,
            User = containerProcess.User,
            Capabilities = containerProcess.Capabilities,
            NoNewPrivileges = containerProcess.NoNewPrivileges,
        };
        File.WriteAllBytes(_processFile, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(process, SpecJsonContext.Default.ProcessSpec));
    }

    /// <summary>The probe's output pipe while one runs.</summary>
    public IEnumerable<int> Fds => _outputFd >= 0 ? [_outputFd] : [];

    /// <summary>Milliseconds until something is due (a probe, or a running probe's timeout).</summary>
    public int MillisecondsUntilDue()
    {
        var due = _pid > 0 ? (_terminatedAt?.AddSeconds(2) ?? _probeStarted + _settings.Timeout) : _nextDue;
        return (int)Math.Clamp((due - DateTime.UtcNow).TotalMilliseconds, 0, int.MaxValue);
    }

    /// <summary>Starts a probe when one is due; ends one that ran past its timeout.</summary>
    public void Tick()
    {
        var now = DateTime.UtcNow;
        if (_pid > 0)
        {
            if (_terminatedAt is null && now >= _probeStarted + _settings.Timeout)
            {
                Signals.TryKill(_pid, Signals.SIGTERM);
                _terminatedAt = now;
            }
            else if (_terminatedAt is { } t && now >= t.AddSeconds(2))
            {
                Signals.TryKill(_pid, Signals.SIGKILL);
            }
            return;
        }
        if (now < _nextDue) return;
        var (read, write) = Fd.Pipe();
        var devnull = Fd.Open("/dev/null", Fd.O_RDONLY);
        var writeCopy = Fd.DupAbove(write, 3);
        try
        {
            _pid = Processes.Spawn(new SpawnOptions
            {
                Path = _engine.Options.BerthPath,
                Args = ["berth", "--root", _engine.Options.RuntimeRoot, "exec", "--process", _processFile, _id],
                Env = _engine.Options.CgroupParent is { } parent ? ["BERTH_CGROUP_PARENT=" + parent] : [],
                Fds = new Dictionary<int, int> { [(int)devnull.DangerousGetHandle()] = 0, [write] = 1, [writeCopy] = 2 },
            });
        }
        finally
        {
            Fd.Close(write);
            Fd.Close(writeCopy);
            devnull.Dispose();
        }
        _outputFd = read;
        Fd.SetNonBlocking(read, true);
        _output.SetLength(0);
        _probeStarted = now;
        _terminatedAt = null;
    }

    /// <summary>Reads what the probe printed (keeping the first 4 KiB).</summary>
    public void OnReadable(int fd)
    {
        if (fd != _outputFd) return;
        Span<byte> buffer = stackalloc byte[4096];
        int n;
        try { n = Fd.Read(fd, buffer); }
        catch (LinuxException e) when (e.Errno == Errno.EAGAIN) { return; }
        if (n == 0)
        {
            Fd.Close(_outputFd);
            _outputFd = -1;
            return;
        }
        if (_output.Length < MaxOutput) _output.Write(buffer[..(int)Math.Min(n, MaxOutput - _output.Length)]);
    }

    /// <summary>Takes the exit of a reaped child if it is the probe: records the result. False when it is not the probe.</summary>
    public bool OnExit(WaitStatus status)
    {
        if (status.Pid != _pid) return false;
        while (_outputFd >= 0 && Fd.WaitReadable(_outputFd, 0)) OnReadable(_outputFd);
        Fd.Close(_outputFd);
        _outputFd = -1;
        var timedOut = _terminatedAt is not null;
        var result = new HealthProbeResult
        {
            Start = _probeStarted,
            End = DateTime.UtcNow,
            ExitCode = timedOut ? -1 : status.ShellStatus,
            Output = timedOut ? $"health check exceeded its timeout ({_settings.Timeout.TotalSeconds:0.###} s)"
                : Encoding.UTF8.GetString(_output.GetBuffer(), 0, (int)_output.Length),
        };
        _pid = -1;
        _nextDue = DateTime.UtcNow + _settings.Interval;
        Record(result);
        return true;
    }

    public void Dispose()
    {
        if (_pid > 0) Signals.TryKill(_pid, Signals.SIGKILL);
        Fd.Close(_outputFd);
        _output.Dispose();
        File.Delete(_processFile);
    }

    private void Record(HealthProbeResult result)
    {
        var record = _engine.Containers.Load(_id);
        var health = record.State.Health ??= new HealthState();
        var before = health.Status;
        health.Log.Add(result);
        if (health.Log.Count > 5) health.Log.RemoveRange(0, health.Log.Count - 5);
        if (result.ExitCode == 0)
        {
            health.Status = HealthState.Healthy;
            health.FailingStreak = 0;
        }
        else if (!(health.Status == HealthState.Starting && DateTime.UtcNow < _startedAt + _settings.StartPeriod))
        {
            // As Docker: failures in the start period do not count, while the container has not yet been healthy.
            health.FailingStreak++;
            if (health.FailingStreak >= Math.Max(1, _settings.Retries)) health.Status = HealthState.Unhealthy;
        }
        _engine.Containers.Save(record);
        if (health.Status != before)
            _engine.Events.Append(new EngineEvent { Type = "container", Action = "health_status: " + health.Status, Subject = _id, Name = record.Name, Image = record.Image });
    }
}
