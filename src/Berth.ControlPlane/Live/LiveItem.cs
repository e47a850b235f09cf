namespace Berth.ControlPlane.Live;

/// <summary>
/// One published value of a live feed with its JSON: typed readers (the Blazor UI) take <see cref="Value"/>, the hub
/// sends <see cref="Json"/>, made on first use and then shared by every subscriber.
/// </summary>
public sealed class LiveItem<T>(T value)
{
    private RawJson? _json;

    public T Value { get; } = value;

    /// <summary>The value serialised once (two readers racing may both serialise it; either result is kept).</summary>
    public RawJson Json => _json ??= RawJson.From(Value);
}
