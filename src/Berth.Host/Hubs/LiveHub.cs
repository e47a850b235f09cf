using System.Runtime.CompilerServices;
using System.Security.Claims;
using Berth.ControlPlane;
using Berth.ControlPlane.Live;
using Berth.ControlPlane.Security;
using Berth.Engine;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Berth.Host.Hubs;

/// <summary>
/// Live data at <c>/hubs/live</c> for signed-in callers (cookie, or an API token as <c>Authorization: Bearer</c> or
/// <c>access_token</c> in the query): streams of a container's stats, logs and processes, the host's stats and a
/// dashboard of container counts; process signals and terminals for those who operate the container. Each call
/// checks the caller's rights (read afresh) when it starts; another team's container is "not found", and a refusal
/// reaches the client as a <see cref="HubException"/> with its reason. Streams end when the client cancels them or
/// disconnects; terminals end with the connection that opened them.
/// </summary>
[Authorize]
public sealed class LiveHub(LiveService live, LiveFeed feed, TerminalService terminals, CallerFactory callers) : Hub
{
    /// <summary>Most lines of history a log stream starts with.</summary>
    public const int MaxTail = 10_000;

    /// <summary>The container's latest stats sample, then each new one (<see cref="ContainerStatsSample"/>, serialised once per tick for all clients).</summary>
    public async IAsyncEnumerable<RawJson> ContainerStats(Guid containerId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var caller = await CallerAsync(cancellationToken).ConfigureAwait(false);
        await Checked(live.VisibleAsync(caller, containerId, cancellationToken)).ConfigureAwait(false);
        await foreach (var item in feed.SubscribeContainerStatsAsync(containerId, cancellationToken).ConfigureAwait(false)) yield return item.Json;
    }

    /// <summary>The host's summary each tick (<see cref="HostStatsSample"/>): for admins, auditors and members of any team.</summary>
    public async IAsyncEnumerable<RawJson> HostStats([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var caller = await CallerAsync(cancellationToken).ConfigureAwait(false);
        if (!caller.ReadsEverything && caller.Teams.Count == 0) throw new HubException($"{caller.Name} may not see the host's stats: join a team first");
        await foreach (var item in feed.SubscribeHostStatsAsync(cancellationToken).ConfigureAwait(false)) yield return item.Json;
    }

    /// <summary>Counts by state of the containers the caller sees (<see cref="DashboardCounts"/>), now and on each change (at most once a second).</summary>
    public async IAsyncEnumerable<DashboardCounts> Dashboard([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var caller = await CallerAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var counts in feed.SubscribeDashboardAsync(caller.VisibleTeams, cancellationToken).ConfigureAwait(false)) yield return counts;
    }

    /// <summary>The last <paramref name="tail"/> log lines, then new ones, in batches (a list of lines, each with time, stream and text) at most every ~100 ms; ends when the container stops.</summary>
    public async IAsyncEnumerable<IReadOnlyList<ContainerLogLine>> Logs(Guid containerId, int tail, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (tail is < 0 or > MaxTail) throw new HubException($"tail must be between 0 and {MaxTail}");
        var caller = await CallerAsync(cancellationToken).ConfigureAwait(false);
        await Checked(live.VisibleAsync(caller, containerId, cancellationToken)).ConfigureAwait(false);
        await foreach (var batch in live.LogsAsync(caller, containerId, tail, cancellationToken).ConfigureAwait(false)) yield return batch;
    }

    /// <summary>The container's processes as a tree every second, with each process's CPU % since the previous tree (an empty tree while it does not run).</summary>
    public async IAsyncEnumerable<ProcessTreeSample> ProcessTree(Guid containerId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var caller = await CallerAsync(cancellationToken).ConfigureAwait(false);
        await Checked(live.VisibleAsync(caller, containerId, cancellationToken)).ConfigureAwait(false);
        await foreach (var tree in live.ProcessTreeAsync(caller, containerId, cancellationToken).ConfigureAwait(false)) yield return tree;
    }

    /// <summary>Sends <paramref name="signal"/> to the container's process <paramref name="hostPid"/> (as the process tree shows it): members, owners and admins; audited.</summary>
    public async Task KillProcess(Guid containerId, int hostPid, int signal)
    {
        var caller = await CallerAsync(Context.ConnectionAborted).ConfigureAwait(false);
        await Checked(live.KillProcessAsync(caller, containerId, hostPid, signal, Context.ConnectionAborted)).ConfigureAwait(false);
    }

    /// <summary>Opens a shell on a terminal of <paramref name="cols"/> × <paramref name="rows"/> in the container; returns the terminal's id, which only this connection can use. Members, owners and admins; audited.</summary>
    public async Task<string> OpenTerminal(Guid containerId, int cols, int rows)
    {
        var caller = await CallerAsync(Context.ConnectionAborted).ConfigureAwait(false);
        return await Checked(terminals.OpenAsync(caller, containerId, Context.ConnectionId, cols, rows, Context.ConnectionAborted)).ConfigureAwait(false);
    }

    /// <summary>What the terminal shows, as byte chunks (base64 strings in JSON) until its shell and everything on it have exited; then the terminal is closed.</summary>
    public async IAsyncEnumerable<byte[]> TerminalOutput(string terminalId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var output = terminals.OutputAsync(terminalId, Context.ConnectionId, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (await Checked(output.MoveNextAsync().AsTask()).ConfigureAwait(false)) yield return output.Current;
    }

    /// <summary>Types <paramref name="data"/> into the terminal.</summary>
    public Task TerminalInput(string terminalId, string data) => Checked(terminals.InputAsync(terminalId, Context.ConnectionId, data, Context.ConnectionAborted));

    /// <summary>Resizes the terminal.</summary>
    public void ResizeTerminal(string terminalId, int cols, int rows)
    {
        try { terminals.Resize(terminalId, Context.ConnectionId, cols, rows); }
        catch (ControlPlaneException e) { throw new HubException(e.Message); }
    }

    /// <summary>Ends the terminal's processes and closes it.</summary>
    public Task CloseTerminal(string terminalId) => terminals.CloseAsync(terminalId, Context.ConnectionId);

    /// <summary>A connection's terminals end with it.</summary>
    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        await terminals.CloseOwnerAsync(Context.ConnectionId).ConfigureAwait(false);
        await base.OnDisconnectedAsync(exception).ConfigureAwait(false);
    }

    /// <summary>The connection's caller, with roles read afresh (rights revoked since the connection opened apply at once).</summary>
    private async Task<Caller> CallerAsync(CancellationToken cancellationToken)
    {
        var id = Context.User?.FindFirstValue(ClaimTypes.NameIdentifier);
        if (id is null || !Guid.TryParse(id, out var userId)) throw new HubException("sign in, or send an API token");
        return await callers.ForUserAsync(userId, Context.GetHttpContext()?.Connection.RemoteIpAddress?.ToString(), cancellationToken).ConfigureAwait(false)
            ?? throw new HubException("this user no longer exists or is disabled");
    }

    /// <summary>Awaits <paramref name="check"/>; a refusal reaches the client as a <see cref="HubException"/> with its message.</summary>
    private static async Task Checked(Task check)
    {
        try { await check.ConfigureAwait(false); }
        catch (ControlPlaneException e) { throw new HubException(e.Message); }
    }

    private static async Task<T> Checked<T>(Task<T> call)
    {
        try { return await call.ConfigureAwait(false); }
        catch (ControlPlaneException e) { throw new HubException(e.Message); }
    }
}
