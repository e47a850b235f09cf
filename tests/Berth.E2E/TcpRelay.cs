using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Berth.E2E;

/// <summary>
/// A TCP relay on 127.0.0.1 between the browser and a host, to cut the connection as a network would. Every connection
/// made to <see cref="BaseAddress"/> is forwarded to 127.0.0.1:<see cref="TargetPort"/>. <see cref="DropAll"/> resets
/// every open connection; <see cref="Pause"/> holds new ones unanswered (connected, but nothing comes back) until
/// <see cref="Resume"/>, when they go on to the target port of that moment (a restarted host listens on a new port).
/// Dispose stops listening and resets every connection.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly ConcurrentDictionary<Task, byte> _relays = new();
    private readonly Lock _gateLock = new();
    private readonly Task _accepting;
    private TaskCompletionSource _gate = NewGate(open: true);
    private volatile int _targetPort;

    public TcpRelay(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    /// <summary>The relay's address, for the browser.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The port on 127.0.0.1 that new connections are forwarded to.</summary>
    public int TargetPort
    {
        get => _targetPort;
        set => _targetPort = value;
    }

    /// <summary>Holds every new connection, unanswered, until <see cref="Resume"/>.</summary>
    public void Pause()
    {
        lock (_gateLock)
        {
            if (_gate.Task.IsCompleted) _gate = NewGate(open: false);
        }
    }

    /// <summary>Lets the held connections, and new ones, through to the target.</summary>
    public void Resume()
    {
        lock (_gateLock) _gate.TrySetResult();
    }

    /// <summary>Resets every connection open now (held ones too), on both sides.</summary>
    public void DropAll()
    {
        foreach (var socket in _sockets.Keys) Reset(socket);
    }

    private static TaskCompletionSource NewGate(bool open)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (open) gate.SetResult();
        return gate;
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var relay = RelayAsync(client);
            _relays.TryAdd(relay, 0);
            _ = relay.ContinueWith(t => _relays.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _sockets.TryAdd(client, 0);
        _sockets.TryAdd(server, 0);
        try
        {
            Task gate;
            lock (_gateLock) gate = _gate.Task;
            await gate.WaitAsync(_stop.Token);
            await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            await Task.WhenAll(PumpAsync(client, server), PumpAsync(server, client));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Dropped, refused by the target, or the relay is stopping: the browser sees a reset connection.
        }
        finally
        {
            Reset(client);
            Reset(server);
            _sockets.TryRemove(client, out _);
            _sockets.TryRemove(server, out _);
        }
    }

    /// <summary>Copies <paramref name="from"/> to <paramref name="to"/> until end of stream, then passes the end on; a failure resets both.</summary>
    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Reset(from);
            Reset(to);
        }
    }

    /// <summary>Closes <paramref name="socket"/> with a reset (SO_LINGER 0), as a broken network path ends a connection.</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Closed already.
        }
        socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DropAll();
        await _accepting;
        await Task.WhenAll(_relays.Keys);
        _stop.Dispose();
    }
}
