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
/// dashboard of container counts. Each stream checks the caller's rights (read afresh) when it starts; another
/// team's container is "not found". Streams end when the client cancels them or disconnects.
/// </summary>
[Authorize]
public sealed class LiveHub(LiveService live, LiveFeed feed, CallerFactory callers) : Hub
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

    /// <summary>The container's processes as a tree, every second (an empty tree while it does not run).</summary>
    public async IAsyncEnumerable<ProcessTree> ProcessTree(Guid containerId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var caller = await CallerAsync(cancellationToken).ConfigureAwait(false);
        await Checked(live.VisibleAsync(caller, containerId, cancellationToken)).ConfigureAwait(false);
        await foreach (var tree in live.ProcessTreeAsync(caller, containerId, cancellationToken).ConfigureAwait(false)) yield return tree;
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
}
