using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Berth.Images.Registry;

/// <summary>
/// HTTP to registries: picks the scheme per registry (HTTPS; plain HTTP only for insecure ones), authenticates,
/// retries what may pass, and turns failures into <see cref="ImageException"/>s that name the registry.
/// </summary>
internal sealed class RegistryTransport : IDisposable
{
    private readonly RegistryClientOptions _options;
    private readonly HttpClient _verifying;
    private readonly HttpClient _lenient;
    private readonly Dictionary<string, RegistryEndpoint> _endpoints = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _connecting = new(1, 1);

    public RegistryTransport(RegistryClientOptions options)
    {
        _options = options;
        Retry = new RetryPolicy(options);
        _verifying = NewClient(lenient: false);
        _lenient = NewClient(lenient: true);
        Auth = new RegistryAuthenticator(options, Retry, insecure => insecure ? _lenient : _verifying);
    }

    public RetryPolicy Retry { get; }

    public RegistryAuthenticator Auth { get; }

    public void Dispose()
    {
        _verifying.Dispose();
        _lenient.Dispose();
        _connecting.Dispose();
        Auth.Dispose();
    }

    /// <summary>
    /// The registry <paramref name="domain"/>, reached once per client: <c>GET /v2/</c> tells that it is a registry
    /// and how it wants to be authenticated. A secure registry is tried over HTTPS only; an insecure one over HTTPS
    /// first (any certificate) and over plain HTTP when TLS fails, as Docker does.
    /// </summary>
    /// <exception cref="ImageException">The registry cannot be reached, or is not a registry.</exception>
    public async Task<RegistryEndpoint> EndpointAsync(string domain, CancellationToken cancellationToken)
    {
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_endpoints.TryGetValue(domain, out var known)) return known;
            var host = RegistryHosts.ApiHost(domain);
            var https = new Uri($"https://{host}/");
            RegistryEndpoint endpoint;
            if (!RegistryHosts.IsInsecure(domain, _options.InsecureRegistries))
            {
                try
                {
                    endpoint = await PingAsync(domain, https, _verifying, retry: true, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (RetryPolicy.IsTransient(e, cancellationToken))
                {
                    var hint = e is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError }
                        ? " (a registry that serves plain HTTP must be listed as insecure)" : "";
                    throw new ImageException($"cannot reach registry {domain} at {https}: {Message(e)}{hint}", e);
                }
            }
            else
            {
                try
                {
                    // One try only: a plain HTTP server fails the TLS handshake at once, and that is the answer.
                    endpoint = await PingAsync(domain, https, _lenient, retry: false, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (RetryPolicy.IsTransient(e, cancellationToken))
                {
                    var http = new Uri($"http://{host}/");
                    try
                    {
                        endpoint = await PingAsync(domain, http, _lenient, retry: true, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e2) when (RetryPolicy.IsTransient(e2, cancellationToken))
                    {
                        throw new ImageException($"cannot reach registry {domain} at {https} or {http}: {Message(e2)}", e2);
                    }
                }
            }
            _endpoints[domain] = endpoint;
            return endpoint;
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <summary>
    /// Sends the request <paramref name="build"/> makes (called again for each try, so its content must be fresh
    /// each time), authenticated for <paramref name="scope"/>. Only <paramref name="idempotent"/> requests are
    /// retried on transient failures; for the others a connection failure throws <see cref="TransientRegistryException"/>
    /// so that the caller can start its operation over. Returns the registry's answer, whatever its status, except a
    /// 401 that answering the challenge did not cure, which throws.
    /// </summary>
    /// <exception cref="ImageException">The registry cannot be reached or refused access; <paramref name="what"/> leads the message.</exception>
    /// <exception cref="TransientRegistryException">A request that is not <paramref name="idempotent"/> failed to connect.</exception>
    public async Task<HttpResponseMessage> SendAsync(RegistryEndpoint endpoint, string scope, Func<Uri, HttpRequestMessage> build, bool idempotent,
        HttpCompletionOption completion, string what, CancellationToken cancellationToken)
    {
        async Task<HttpResponseMessage> Once(CancellationToken t)
        {
            var request = build(endpoint.BaseUri);
            await Auth.AuthorizeAsync(endpoint, request, scope, t).ConfigureAwait(false);
            return await endpoint.Client.SendAsync(request, completion, t).ConfigureAwait(false);
        }

        for (var reauthorised = false; ; reauthorised = true)
        {
            HttpResponseMessage response;
            try
            {
                response = idempotent ? await Retry.SendAsync(Once, cancellationToken).ConfigureAwait(false) : await Once(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (RetryPolicy.IsTransient(e, cancellationToken))
            {
                var message = $"{what}: registry {endpoint.Domain}: {Message(e)}";
                throw idempotent ? new ImageException(message, e) : new TransientRegistryException(message, e);
            }
            if (response.StatusCode != HttpStatusCode.Unauthorized) return response;
            var again = !reauthorised && Auth.OnUnauthorized(endpoint, scope, response);
            response.Dispose();
            if (!again) throw new ImageException(Auth.DeniedMessage(endpoint, what));
        }
    }

    /// <summary>The error a registry's failure answer makes: its status, and the codes and messages of its <c>errors</c> body when it has one.</summary>
    public static async Task<ImageException> FailureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var detail = "";
        try
        {
            var body = await ReadBoundedAsync(response, 64 << 10, what, cancellationToken).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                var parts = errors.EnumerateArray()
                    .Where(e => e.ValueKind == JsonValueKind.Object)
                    .Select(e => string.Join(": ", new[] { Text(e, "code"), Text(e, "message") }.Where(s => !string.IsNullOrEmpty(s))))
                    .Where(s => s.Length > 0);
                detail = string.Join("; ", parts);
            }
        }
        catch (Exception e) when (e is JsonException or ImageException or IOException or InvalidOperationException or HttpRequestException)
        {
            // The body is only for the message; without it the status still says what happened.
        }
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        return new ImageException(detail.Length > 0 ? $"{what}: the registry answered {status}: {detail}" : $"{what}: the registry answered {status}");

        static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    /// <summary>
    /// Reads a whole body of at most <paramref name="max"/> bytes: a <c>Content-Length</c> above it is refused before
    /// reading, and a body without one is cut off as soon as it passes it.
    /// </summary>
    /// <exception cref="ImageException">The body is larger than <paramref name="max"/>.</exception>
    /// <exception cref="IOException">The body broke off.</exception>
    public static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, int max, string what, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is { } length && length > max)
            throw new ImageException($"{what}: the registry says it is {length} bytes, more than the {max} allowed");
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 << 10];
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > max) throw new ImageException($"{what}: larger than the {max} bytes allowed");
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    /// <summary>An exception's message with those of its causes, which say what failed (a refused connection, a TLS handshake).</summary>
    public static string Message(Exception e)
    {
        var parts = new List<string>();
        for (var x = e; x is not null; x = x.InnerException)
        {
            // Inner messages often repeat within the outer one ("Connection refused (host:port)" over "Connection refused").
            if (!parts.Any(p => p.Contains(x.Message, StringComparison.Ordinal))) parts.Add(x.Message);
        }
        return string.Join(": ", parts);
    }

    private async Task<RegistryEndpoint> PingAsync(string domain, Uri baseUri, HttpClient client, bool retry, CancellationToken cancellationToken)
    {
        var v2 = new Uri(baseUri, "v2/");
        Task<HttpResponseMessage> Send(CancellationToken t) => client.SendAsync(new HttpRequestMessage(HttpMethod.Get, v2), HttpCompletionOption.ResponseHeadersRead, t);
        using var response = retry ? await Retry.SendAsync(Send, cancellationToken).ConfigureAwait(false) : await Send(cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode) return new RegistryEndpoint(domain, baseUri, client, null);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            var challenge = AuthChallenge.From(response.Headers.WwwAuthenticate)
                ?? throw new ImageException($"registry {domain} answered 401 at {v2} without a challenge this client can answer (Basic or Bearer)");
            return new RegistryEndpoint(domain, baseUri, client, challenge);
        }
        throw await FailureAsync(response, $"registry {domain} ({v2}) does not speak the registry API v2", cancellationToken).ConfigureAwait(false);
    }

    private HttpClient NewClient(bool lenient)
    {
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            // Registries redirect blob downloads to storage (S3 and the like); the handler drops the Authorization
            // header on a redirect, so the registry's token does not leak to it.
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 5,
            UseCookies = false,
        };
        if (lenient)
        {
            // Insecure registries: Docker accepts any certificate from them, self-signed ones included. Only registries
            // the user listed as insecure (or loopback ones) are reached through this client.
#pragma warning disable CA5359
            handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true };
#pragma warning restore CA5359
        }
        if (_options.ConnectTo is { } connectTo)
        {
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var (host, port) = connectTo(context.DnsEndPoint.Host, context.DnsEndPoint.Port);
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        var client = new HttpClient(handler) { Timeout = _options.RequestTimeout };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("berth");
        return client;
    }
}
