namespace Berth.Linux;

/// <summary>A decoded wait status: an exit code, or the signal that killed the process.</summary>
public readonly record struct WaitStatus(int Pid, int Raw)
{
    /// <summary>Exited normally.</summary>
    public bool Exited => (Raw & 0x7f) == 0;

    /// <summary>Killed by a signal.</summary>
    public bool Signaled => (Raw & 0x7f) != 0 && (Raw & 0x7f) != 0x7f;

    /// <summary>Exit code when <see cref="Exited"/>.</summary>
    public int ExitCode => (Raw >> 8) & 0xff;

    /// <summary>The killing signal when <see cref="Signaled"/>.</summary>
    public int Signal => Raw & 0x7f;

    /// <summary>The status as a shell reports it: the exit code, or 128 + the signal.</summary>
    public int ShellStatus => Exited ? ExitCode : 128 + Signal;
}
