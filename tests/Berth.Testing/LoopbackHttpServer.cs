using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Berth.Testing;

/// <summary>
/// A tiny HTTP/1.1 server on 127.0.0.1 and a free port, for what a real server cannot be made to do in a test (answer
/// with a wrong digest, a cut-off body, a 503 once) and for small test services such as a token server. One request per
/// connection (each answer closes it); request bodies need a Content-Length. Every request is recorded.
/// Dispose stops it.
/// </summary>
public sealed class LoopbackHttpServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<LoopbackHttpRequest, Task<LoopbackHttpResponse>> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<LoopbackHttpRequest> _requests = [];
    private readonly Task _accepting;

    /// <summary>Starts serving: each request is answered by <paramref name="handler"/> (an exception in it answers 500).</summary>
    public LoopbackHttpServer(Func<LoopbackHttpRequest, Task<LoopbackHttpResponse>> handler)
    {
        _handler = handler;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    /// <summary>The port it listens on.</summary>
    public int Port { get; }

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>Every request received so far, in order of arrival.</summary>
    public IReadOnlyList<LoopbackHttpRequest> Requests
    {
        get
        {
            lock (_requests) return _requests.ToList();
        }
    }

    /// <summary>Stops listening and drops open connections.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _accepting.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The accept loop ends with the listener's disposal exception.
        }
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await ReadRequestAsync(stream).ConfigureAwait(false);
                if (request is null) return;
                lock (_requests) _requests.Add(request);
                LoopbackHttpResponse response;
                try
                {
                    response = await _handler(request).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    response = new LoopbackHttpResponse(500, Encoding.UTF8.GetBytes(e.ToString()), "text/plain");
                }
                await WriteResponseAsync(stream, request, response).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The client went away: nothing to answer.
            }
        }
    }

    private async Task<LoopbackHttpRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var head = new MemoryStream();
        var one = new byte[1];
        while (!EndsWithBlankLine(head))
        {
            if (await stream.ReadAsync(one, _stop.Token).ConfigureAwait(false) == 0) return null;
            // Not HTTP (a TLS handshake from a client trying HTTPS first): drop the connection, as the client's
            // handshake would otherwise wait for an answer that never comes.
            if (head.Length == 0 && !char.IsAsciiLetterUpper((char)one[0])) return null;
            head.WriteByte(one[0]);
            if (head.Length > 64 << 10) throw new IOException("request head larger than 64 KiB");
        }
        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        var body = Array.Empty<byte>();
        if (headers.TryGetValue("Content-Length", out var length) && long.Parse(length, System.Globalization.CultureInfo.InvariantCulture) is > 0 and var n)
        {
            body = new byte[n];
            await stream.ReadExactlyAsync(body, _stop.Token).ConfigureAwait(false);
        }
        return new LoopbackHttpRequest(requestLine[0], requestLine[1], headers, body);
    }

    private static bool EndsWithBlankLine(MemoryStream head)
    {
        if (head.Length < 4) return false;
        var b = head.GetBuffer();
        var n = (int)head.Length;
        return b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n';
    }

    private async Task WriteResponseAsync(NetworkStream stream, LoopbackHttpRequest request, LoopbackHttpResponse response)
    {
        var head = new StringBuilder($"HTTP/1.1 {response.Status} {Reason(response.Status)}\r\n");
        foreach (var (name, value) in response.Headers) head.Append(name).Append(": ").Append(value).Append("\r\n");
        if (!response.OmitContentLength) head.Append("Content-Length: ").Append(response.ContentLength ?? response.Body.Length).Append("\r\n");
        head.Append("Connection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), _stop.Token).ConfigureAwait(false);
        if (request.Method != "HEAD") await stream.WriteAsync(response.Body, _stop.Token).ConfigureAwait(false);
        await stream.FlushAsync(_stop.Token).ConfigureAwait(false);
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
}
