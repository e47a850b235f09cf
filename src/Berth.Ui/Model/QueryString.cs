using System.Globalization;
using System.Text;

namespace Berth.Ui.Model;

/// <summary>Builds the query string of a REST link (CSV exports) from the fields that are set.</summary>
public sealed class QueryString
{
    private readonly StringBuilder _text = new();

    /// <summary>Adds <paramref name="name"/>=<paramref name="value"/> unless the value is null or blank.</summary>
    public QueryString Add(string name, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return this;
        _text.Append(_text.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value.Trim()));
        return this;
    }

    /// <summary>Adds a time as ISO 8601 with its offset, as the API binds it.</summary>
    public QueryString Add(string name, DateTimeOffset? value)
        => Add(name, value?.ToString("yyyy-MM-ddTHH:mm:ssK", CultureInfo.InvariantCulture));

    /// <summary>The query string with its leading <c>?</c>, or empty when nothing was added.</summary>
    public override string ToString() => _text.ToString();
}
