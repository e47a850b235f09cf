using System.Globalization;
using System.Text;

namespace Berth.Host.Api;

/// <summary>
/// CSV exports: RFC 4180 (comma-separated, CRLF line ends, a field quoted when it holds a comma, a quote or a line
/// break, quotes doubled), with cells that a spreadsheet would run as a formula (starting with <c>=</c>,
/// <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return; OWASP's CSV injection advice) prefixed with a single
/// quote.
/// </summary>
public static class Csv
{
    /// <summary>One field, neutralised and quoted as needed; null is an empty field.</summary>
    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    /// <summary>One record: the fields joined by commas, ended by CRLF.</summary>
    public static string Record(IEnumerable<string?> fields) => string.Join(',', fields.Select(Field)) + "\r\n";

    /// <summary>A value as a field: invariant culture, times in ISO 8601 (round-trip), null as empty.</summary>
    public static string? Text(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>A download of <paramref name="rows"/> as <paramref name="fileName"/>: the header, then a record per row, written as they are read.</summary>
    public static IResult Download<T>(IAsyncEnumerable<T> rows, IReadOnlyList<string> header, Func<T, IEnumerable<object?>> fields, string fileName)
        => TypedResults.Stream(async body =>
        {
            var writer = new StreamWriter(body, new UTF8Encoding(false), 1 << 16);
            await using (writer.ConfigureAwait(false))
            {
                await writer.WriteAsync(Record(header)).ConfigureAwait(false);
                await foreach (var row in rows.ConfigureAwait(false)) await writer.WriteAsync(Record(fields(row).Select(Text))).ConfigureAwait(false);
            }
        }, "text/csv; charset=utf-8", fileName);
}
