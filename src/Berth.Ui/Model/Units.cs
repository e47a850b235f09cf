using System.Globalization;

namespace Berth.Ui.Model;

/// <summary>How the pages write sizes, rates, shares and durations.</summary>
public static class Units
{
    private static readonly string[] Suffixes = ["B", "KiB", "MiB", "GiB", "TiB"];

    public static string Bytes(long? bytes)
    {
        if (bytes is not { } b) return "unlimited";
        double v = b;
        var i = 0;
        while (Math.Abs(v) >= 1024 && i < Suffixes.Length - 1)
        {
            v /= 1024;
            i++;
        }
        return i == 0 ? string.Create(CultureInfo.InvariantCulture, $"{b} B") : string.Create(CultureInfo.InvariantCulture, $"{v:0.#} {Suffixes[i]}");
    }

    public static string Rate(double bytesPerSecond) => Bytes((long)bytesPerSecond) + "/s";

    public static string Percent(double percent) => string.Create(CultureInfo.InvariantCulture, $"{percent:0.#} %");

    public static string Cpus(double? cpus) => cpus is { } c ? c.ToString("0.##", CultureInfo.InvariantCulture) : "unlimited";

    public static string Duration(TimeSpan span) => span.TotalSeconds switch
    {
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalSeconds} s"),
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min {span.Seconds} s"),
        < 86400 => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours} h {span.Minutes} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays} d {span.Hours} h"),
    };

    public static string Time(DateTimeOffset? time) => time?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "—";

    /// <summary>The MudBlazor colour of a container state.</summary>
    public static MudBlazor.Color StateColor(string state) => state switch
    {
        "running" => MudBlazor.Color.Success,
        "pending" or "restarting" or "created" => MudBlazor.Color.Info,
        "failed" => MudBlazor.Color.Error,
        "exited" or "stopped" => MudBlazor.Color.Default,
        _ => MudBlazor.Color.Secondary,
    };
}
