namespace Berth.Images;

/// <summary>
/// An image's health check (Docker's <c>Healthcheck</c>): <see cref="Test"/> is <c>["NONE"]</c> (disabled),
/// <c>["CMD", prog, args…]</c> or <c>["CMD-SHELL", command]</c>. Durations are zero when the image leaves the default.
/// </summary>
public sealed record HealthcheckConfig(IReadOnlyList<string> Test, TimeSpan Interval, TimeSpan Timeout, TimeSpan StartPeriod, int Retries);
