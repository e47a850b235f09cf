// Connects CLIENTS hub clients to a Berth host, each subscribed to the ContainerStats stream of every running
// container, and counts the samples they receive. Prints "ready" once every stream has delivered a sample, then
// the receive rate every 10 s, and the totals when SECONDS have passed (or on SIGINT / SIGTERM).
//
//   LiveStatsClient --url http://127.0.0.1:5080 --token berth_... [--clients 10] [--seconds 90]
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2) options[args[i].TrimStart('-')] = args[i + 1];
if (!options.TryGetValue("url", out var url) || !options.TryGetValue("token", out var token))
{
    await Console.Error.WriteLineAsync("usage: LiveStatsClient --url URL --token TOKEN [--clients N] [--seconds S]");
    return 2;
}
var clients = int.Parse(options.GetValueOrDefault("clients", "10"), CultureInfo.InvariantCulture);
var seconds = int.Parse(options.GetValueOrDefault("seconds", "90"), CultureInfo.InvariantCulture);
var baseUri = new Uri(url.TrimEnd('/') + "/");

using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
// SIGINT or SIGTERM end the run early but still print the totals (a background job of a script ignores SIGINT,
// so the script sends SIGTERM).
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

List<Guid> ids;
using (var http = new HttpClient { BaseAddress = baseUri })
{
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    var list = await http.GetFromJsonAsync<JsonElement>("api/v1/containers");
    ids = list.EnumerateArray().Where(c => c.GetProperty("state").GetString() == "running").Select(c => c.GetProperty("id").GetGuid()).ToList();
}
Console.WriteLine($"{ids.Count} running containers, {clients} clients: {ids.Count * clients} streams");

long received = 0;
var firstSeen = new bool[clients * ids.Count];
var streamsWithData = 0;
var connections = new List<HubConnection>();
var readers = new List<Task>();
for (var c = 0; c < clients; c++)
{
    var connection = new HubConnectionBuilder()
        .WithUrl(new Uri(baseUri, "hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
        .Build();
    await connection.StartAsync(stop.Token);
    connections.Add(connection);
    for (var k = 0; k < ids.Count; k++)
    {
        var slot = c * ids.Count + k;
        var stream = connection.StreamAsync<JsonElement>("ContainerStats", ids[k], stop.Token);
        readers.Add(Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in stream)
                {
                    Interlocked.Increment(ref received);
                    if (!firstSeen[slot])
                    {
                        firstSeen[slot] = true;
                        Interlocked.Increment(ref streamsWithData);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }));
    }
}

var total = clients * ids.Count;
var clock = Stopwatch.StartNew();
while (Volatile.Read(ref streamsWithData) < total && !stop.IsCancellationRequested) await Task.Delay(100);
Console.WriteLine($"ready: {streamsWithData}/{total} streams delivering after {clock.Elapsed.TotalSeconds:F1} s");

var start = Interlocked.Read(ref received);
clock.Restart();
var last = start;
while (!stop.IsCancellationRequested)
{
    try { await Task.Delay(TimeSpan.FromSeconds(10), stop.Token); }
    catch (OperationCanceledException) { break; }
    var now = Interlocked.Read(ref received);
    Console.WriteLine($"{(now - last) / 10.0:F0} samples/s");
    last = now;
}
var elapsed = clock.Elapsed.TotalSeconds;
Console.WriteLine($"received {received - start} samples in {elapsed:F0} s ({(received - start) / elapsed:F0}/s; expected about {total}/s)");
foreach (var connection in connections) await connection.DisposeAsync();
await Task.WhenAll(readers);
return 0;
