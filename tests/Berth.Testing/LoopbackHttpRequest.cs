namespace Berth.Testing;

/// <summary>A request a <see cref="LoopbackHttpServer"/> received.</summary>
/// <param name="Method">GET, HEAD, PUT…</param>
/// <param name="Target">The request target as sent: path and query.</param>
/// <param name="Headers">The headers, names case-insensitive (a repeated header keeps its last value).</param>
/// <param name="Body">The body (empty when there was none).</param>
public sealed record LoopbackHttpRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    /// <summary>The target without its query.</summary>
    public string Path => Target.Split('?', 2)[0];

    /// <summary>The query's parameters in order, unescaped (a name may repeat, as <c>scope</c> does).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Query
    {
        get
        {
            var q = Target.Contains('?', StringComparison.Ordinal) ? Target.Split('?', 2)[1] : "";
            return q.Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split('=', 2))
                .Select(p => new KeyValuePair<string, string>(Uri.UnescapeDataString(p[0]), p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : ""))
                .ToList();
        }
    }
}
