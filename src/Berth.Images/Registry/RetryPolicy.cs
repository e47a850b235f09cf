using System.Net;

namespace Berth.Images.Registry;

/// <summary>
/// Tries a request again when the failure may pass: the connection failed or timed out, or the registry answered
/// 5xx (it is overloaded or restarting) or 429 (too many requests). Waits double from
/// <see cref="RegistryClientOptions.RetryDelay"/>, capped at <see cref="RegistryClientOptions.MaxRetryDelay"/>; a
/// <c>Retry-After</c> header says how long instead. Anything else (4xx, a blob that does not match its digest) fails
/// at once: trying again would get the same answer.
/// </summary>
internal sealed class RetryPolicy(RegistryClientOptions options)
{
    public int MaxAttempts { get; } = options.MaxAttempts >= 1 ? options.MaxAttempts
        : throw new ArgumentOutOfRangeException(nameof(options), options.MaxAttempts, "MaxAttempts must be 1 or more");

    /// <summary>
    /// Sends what <paramref name="send"/> sends until it gets an answer that is not transient or the attempts run out;
    /// returns the last answer (which may be a 5xx the caller reports).
    /// </summary>
    /// <exception cref="HttpRequestException">The last attempt could not connect.</exception>
    public async Task<HttpResponseMessage> SendAsync(Func<CancellationToken, Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await send(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken) && attempt < MaxAttempts)
            {
                await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (!IsTransient(response.StatusCode) || attempt >= MaxAttempts) return response;
            var wait = RetryAfter(response) ?? Backoff(attempt);
            response.Dispose();
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> (a request and the reading of its body) again when reading the body broke off
    /// (<see cref="IOException"/>), up to the attempts allowed; the last failure is thrown.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<int, Task<T>> body, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await body(attempt).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken) && attempt < MaxAttempts)
            {
                await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A connection that failed, broke off or timed out (not one the caller cancelled).</summary>
    public static bool IsTransient(Exception e, CancellationToken cancellationToken)
        => e is HttpRequestException { StatusCode: null } or IOException
           || (e is TaskCanceledException or OperationCanceledException && !cancellationToken.IsCancellationRequested);

    public static bool IsTransient(HttpStatusCode status) => status == HttpStatusCode.TooManyRequests || (int)status >= 500;

    private TimeSpan Backoff(int attempt)
    {
        var delay = options.RetryDelay * Math.Pow(2, attempt - 1);
        return delay < options.MaxRetryDelay ? delay : options.MaxRetryDelay;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        TimeSpan? wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (wait is not { } w) return null;
        if (w < TimeSpan.Zero) return TimeSpan.Zero;
        return w < options.MaxRetryDelay ? w : options.MaxRetryDelay;
    }
}
