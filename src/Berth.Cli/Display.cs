using System.Globalization;
using Berth.Engine;

namespace Berth.Cli;

/// <summary>How the user verbs show sizes, times and states (Docker's wording).</summary>
public static class Display
{
    /// <summary>A size in SI units as Docker prints it: <c>4.26MB</c>.</summary>
    public static string Size(double bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB"];
        var i = 0;
        while (bytes >= 1000 && i < units.Length - 1) { bytes /= 1000; i++; }
        return i == 0 ? $"{bytes.ToString("0", CultureInfo.InvariantCulture)}B" : bytes.ToString("0.##", CultureInfo.InvariantCulture) + units[i];
    }

    /// <summary>A size in binary units, as <c>docker stats</c> prints memory: <c>1.5MiB</c>.</summary>
    public static string BinarySize(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        var i = 0;
        while (bytes >= 1024 && i < units.Length - 1) { bytes /= 1024; i++; }
        return bytes.ToString("0.##", CultureInfo.InvariantCulture) + units[i];
    }

    /// <summary>A duration in words: <c>3 seconds</c>, <c>About a minute</c>, <c>2 hours</c>.</summary>
    public static string Duration(TimeSpan d)
    {
        if (d.TotalSeconds < 1) return "Less than a second";
        if (d.TotalSeconds < 60) return $"{(int)d.TotalSeconds} second{(d.TotalSeconds >= 2 ? "s" : "")}";
        if (d.TotalMinutes < 2) return "About a minute";
        if (d.TotalMinutes < 60) return $"{(int)d.TotalMinutes} minutes";
        if (d.TotalHours < 2) return "About an hour";
        if (d.TotalHours < 48) return $"{(int)d.TotalHours} hours";
        if (d.TotalDays < 14) return $"{(int)d.TotalDays} days";
        if (d.TotalDays < 60) return $"{(int)(d.TotalDays / 7)} weeks";
        if (d.TotalDays < 730) return $"{(int)(d.TotalDays / 30)} months";
        return $"{(int)(d.TotalDays / 365)} years";
    }

    /// <summary>How long ago: <c>5 minutes ago</c>.</summary>
    public static string Ago(DateTimeOffset t) => Duration(DateTimeOffset.UtcNow - t) + " ago";

    /// <summary>A container's status column: <c>Up 3 seconds</c>, <c>Exited (0) 2 minutes ago</c>, <c>Created</c>.</summary>
    public static string Status(ContainerRecord c)
    {
        var s = c.State;
        return s.Status switch
        {
            ContainerStatus.Running => "Up " + Duration(DateTimeOffset.UtcNow - (s.StartedAt ?? c.Created)) + s.Health?.Status switch
            {
                HealthState.Healthy => " (healthy)",
                HealthState.Unhealthy => " (unhealthy)",
                HealthState.Starting => " (health: starting)",
                _ => "",
            },
            ContainerStatus.Restarting => $"Restarting ({s.ExitCode ?? 0}) {Ago(s.FinishedAt ?? c.Created)}",
            ContainerStatus.Exited => $"Exited ({s.ExitCode ?? 0}) {Ago(s.FinishedAt ?? c.Created)}",
            ContainerStatus.Dead => "Dead",
            _ => "Created",
        };
    }

    /// <summary>A short id: the first 12 hex digits (of a digest's hex part).</summary>
    public static string ShortId(string id) => (id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..] : id)[..12];

    /// <summary>Truncates to <paramref name="max"/> characters with an ellipsis, as <c>docker ps</c> does.</summary>
    public static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>Parses a size with an optional unit (<c>b</c>, <c>k</c>, <c>m</c>, <c>g</c>; binary multiples, as Docker's <c>--memory</c>).</summary>
    /// <exception cref="UsageException">Not a size.</exception>
    public static long ParseSize(string text, string flag)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t.EndsWith('b') && t.Length > 1 && !char.IsDigit(t[^2])) t = t[..^1];
        long multiplier = 1;
        if (t.Length > 0 && t[^1] is 'b' or 'k' or 'm' or 'g' or 't')
        {
            multiplier = t[^1] switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, 't' => 1L << 40, _ => 1 };
            t = t[..^1];
        }
        if (!double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) || n < 0 || n * multiplier > long.MaxValue)
            throw new UsageException($"{flag}: invalid size \"{text}\" (a number with an optional unit b, k, m or g)");
        return (long)(n * multiplier);
    }

    /// <summary>Parses a duration as Docker's flags take it: <c>500ms</c>, <c>30s</c>, <c>1m30s</c>, <c>2h</c>.</summary>
    /// <exception cref="UsageException">Not a duration.</exception>
    public static TimeSpan ParseDuration(string text, string flag)
    {
        var total = TimeSpan.Zero;
        var rest = text.Trim();
        if (rest.Length == 0) throw new UsageException($"{flag}: an empty duration");
        while (rest.Length > 0)
        {
            var digits = 0;
            while (digits < rest.Length && (char.IsAsciiDigit(rest[digits]) || rest[digits] == '.')) digits++;
            var unit = digits;
            while (unit < rest.Length && char.IsAsciiLetter(rest[unit])) unit++;
            if (digits == 0 || unit == digits || !double.TryParse(rest[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
                throw new UsageException($"{flag}: invalid duration \"{text}\" (such as 500ms, 30s, 1m30s, 2h)");
            total += rest[digits..unit] switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => throw new UsageException($"{flag}: invalid duration \"{text}\": the units are ms, s, m and h"),
            };
            rest = rest[unit..];
        }
        return total;
    }

    /// <summary>Writes a table with columns padded to their widest cell (three spaces apart, as Docker).</summary>
    public static string Table(IReadOnlyList<string[]> rows)
    {
        if (rows.Count == 0) return "";
        var widths = new int[rows[0].Length];
        foreach (var r in rows)
            for (var i = 0; i < r.Length; i++) widths[i] = Math.Max(widths[i], r[i].Length);
        var sb = new System.Text.StringBuilder();
        foreach (var r in rows)
        {
            for (var i = 0; i < r.Length; i++)
                sb.Append(i == r.Length - 1 ? r[i] : r[i].PadRight(widths[i] + 3));
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
