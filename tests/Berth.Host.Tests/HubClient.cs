using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Berth.Host.Tests;

/// <summary>SignalR connections to the host's live hub, signed in with a client's API token.</summary>
internal static class HubClient
{
    /// <summary>A started connection with the token of <paramref name="client"/>, sent as the .NET client does (a header on every request).</summary>
    public static async Task<HubConnection> ConnectAsync(this HostHarness host, HttpClient client)
    {
        var token = client.DefaultRequestHeaders.Authorization!.Parameter!;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseAddress, "hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        await connection.StartAsync();
        return connection;
    }

    /// <summary>A started WebSocket connection with the token in the query string only, as browsers send it.</summary>
    public static async Task<HubConnection> ConnectWithQueryTokenAsync(this HostHarness host, HttpClient client)
    {
        var token = client.DefaultRequestHeaders.Authorization!.Parameter!;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseAddress, "hubs/live?access_token=" + Uri.EscapeDataString(token)), o =>
            {
                o.SkipNegotiation = true;
                o.Transports = HttpTransportType.WebSockets;
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }

    /// <summary>Items of a stream until <paramref name="done"/> holds for one (returned with those before it), failing after <paramref name="seconds"/>.</summary>
    public static async Task<List<T>> ReadUntilAsync<T>(this IAsyncEnumerable<T> stream, Func<T, bool> done, string what, double seconds = 30)
    {
        var items = new List<T>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            await foreach (var item in stream.WithCancellation(timeout.Token))
            {
                items.Add(item);
                if (done(item)) return items;
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
        }
        Assert.Fail($"no {what} within {seconds} s; got {items.Count} items: {string.Join(" | ", items.Select(i => i is JsonElement j ? j.GetRawText() : i?.ToString()))}");
        return items;
    }
}
