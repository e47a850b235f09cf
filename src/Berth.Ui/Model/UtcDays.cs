namespace Berth.Ui.Model;

/// <summary>
/// The days picked in a filter's date fields, read as UTC days: a "from" day counts from its first instant, a "to"
/// day up to its last (the API's <c>to</c> is excluded, so it is the next day's midnight).
/// </summary>
public static class UtcDays
{
    public static DateTimeOffset? Start(DateTime? day) => day is { } d ? new DateTimeOffset(d.Date.Ticks, TimeSpan.Zero) : null;

    public static DateTimeOffset? EndOf(DateTime? day) => day is { } d ? new DateTimeOffset(d.Date.AddDays(1).Ticks, TimeSpan.Zero) : null;
}
