namespace Berth.ControlPlane.Live;

/// <summary>Pressure stall information of one resource (<c>cpu</c>, <c>memory</c>, <c>io</c>): the share of time (percent) some or all tasks stalled, over 10 and 60 s.</summary>
public sealed record PressureSample(double SomeAvg10, double SomeAvg60, double FullAvg10, double FullAvg60);
