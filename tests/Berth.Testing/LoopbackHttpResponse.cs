namespace Berth.Testing;

/// <summary>What a <see cref="LoopbackHttpServer"/> answers; it can also lie about the body's length.</summary>
public sealed class LoopbackHttpResponse
{
    /// <summary>An answer with <paramref name="status"/> and <paramref name="body"/>.</summary>
    public LoopbackHttpResponse(int status, byte[]? body = null, string? contentType = null)
    {
        Status = status;
        Body = body ?? [];
        if (contentType is not null) Headers["Content-Type"] = contentType;
    }

    /// <summary>The status code.</summary>
    public int Status { get; }

    /// <summary>The body sent.</summary>
    public byte[] Body { get; }

    /// <summary>Headers to send besides Content-Length and Connection.</summary>
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The Content-Length to announce; null announces the body's real length. A larger value with the connection
    /// closed after the body makes a truncated answer.
    /// </summary>
    public long? ContentLength { get; init; }

    /// <summary>Announces no Content-Length at all: the body ends where the connection closes.</summary>
    public bool OmitContentLength { get; init; }
}
