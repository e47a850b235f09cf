namespace Berth.Engine;

/// <summary>How a container's health is probed (the image's <c>HEALTHCHECK</c>, or <c>run --health-*</c>).</summary>
public sealed class HealthSettings
{
    /// <summary>Docker's defaults for what an image leaves unset.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30), DefaultTimeout = TimeSpan.FromSeconds(30);

    public const int DefaultRetries = 3;

    /// <summary><c>["CMD", prog, args…]</c> or <c>["CMD-SHELL", command]</c>.</summary>
    public List<string> Test { get; init; } = [];

    public TimeSpan Interval { get; init; } = DefaultInterval;

    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>Failures in this time after a start do not count (the program is still starting).</summary>
    public TimeSpan StartPeriod { get; init; }

    /// <summary>Consecutive failures that make the container unhealthy.</summary>
    public int Retries { get; init; } = DefaultRetries;

    /// <summary>The probe's program and arguments: a shell runs a <c>CMD-SHELL</c> test.</summary>
    public List<string> Command() => Test is ["CMD-SHELL", var shell, ..] ? ["/bin/sh", "-c", shell] : Test.Skip(1).ToList();
}
