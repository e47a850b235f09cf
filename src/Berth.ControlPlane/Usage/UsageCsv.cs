using System.Globalization;
using System.Text;

namespace Berth.ControlPlane.Usage;

/// <summary>Usage rows as CSV (RFC 4180: CRLF line ends, fields with commas, quotes or line breaks quoted), safe to open in a spreadsheet.</summary>
public static class UsageCsv
{
    public const string Header = "id,name,teamId,team,cpuHours,memoryGbHours,containerHours,ioReadBytes,ioWriteBytes";

    public static string Write(IEnumerable<UsageRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var csv = new StringBuilder(Header).Append("\r\n");
        foreach (var r in rows)
        {
            csv.Append(r.Id).Append(',')
                .Append(Field(r.Name)).Append(',')
                .Append(r.TeamId?.ToString() ?? "").Append(',')
                .Append(Field(r.Team ?? "")).Append(',')
                .Append(Number(r.CpuHours)).Append(',')
                .Append(Number(r.MemoryGbHours)).Append(',')
                .Append(Number(r.ContainerHours)).Append(',')
                .Append(r.IoReadBytes.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(r.IoWriteBytes.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }
        return csv.ToString();
    }

    /// <summary>
    /// A text field: a leading <c>= + - @</c> (or tab, carriage return) would make a spreadsheet evaluate a formula
    /// (OWASP's CSV injection), so it gets a leading apostrophe; then quoted when it holds a comma, quote or line break.
    /// </summary>
    public static string Field(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
