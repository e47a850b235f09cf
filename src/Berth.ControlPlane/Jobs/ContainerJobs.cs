using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Networks;
using Berth.ControlPlane.Workers;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Container = Berth.Data.Entities.Container;
using Trace = Berth.Runtime.Trace;

namespace Berth.ControlPlane.Jobs;

/// <summary>
/// The work on one node's containers, run as Hangfire jobs on the node's queue (or in-process for the local node):
/// each takes a container id, reads what is wanted of it, and drives the engine there. Every job is idempotent and
/// takes the container's lock, so a re-drive or a duplicate does no harm.
/// </summary>
public sealed class ContainerJobs(
    IDbContextFactory<BerthDbContext> dbFactory, NodeEngine node, ContainerLocks locks, EngineEventIngestor ingestor, TeamNetworks networks, ILogger<ContainerJobs> logger)
{
    /// <summary>
    /// The container as this instance's last job saved it (null before that, or when the job changed nothing): a
    /// caller that ran the job in its own process (<see cref="JobDispatcher"/>) answers with it instead of reading
    /// the row again.
    /// </summary>
    public Container? Saved { get; private set; }

    /// <summary>
    /// The container's row as the caller has just committed it (untracked), set by an in-process caller before it runs
    /// a job on this instance: a launch of that container starts from it instead of reading the row again.
    /// </summary>
    public Container? Known { get; set; }

    /// <summary>The engine's name of a control-plane container (unique on the node).</summary>
    public static string EngineName(Guid id) => "berth-" + id.ToString("N");

    /// <summary>Makes (when not yet made) and starts the container, when it is still wanted running; records the run.</summary>
    public async Task LaunchAsync(Guid containerId, Guid? actorId, CancellationToken cancellationToken)
    {
        using var held = await locks.TakeAsync(containerId, cancellationToken).ConfigureAwait(false);
        await LaunchHeldAsync(containerId, actorId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><see cref="LaunchAsync"/> for a caller that holds the container's lock.</summary>
    private async Task LaunchHeldAsync(Guid containerId, Guid? actorId, CancellationToken cancellationToken)
    {
        var c = Known is { Id: var known } k && known == containerId && k.NodeId == node.NodeId ? k : await LoadAsync(containerId, cancellationToken).ConfigureAwait(false);
        Trace.Mark("job: loaded");
        if (c is null || c.Desired != DesiredState.Running) return;
        var engine = node.Engine;
        if (c.EngineId is { } existing && engine.Containers.TryFind(existing) is { } current && ContainerEngine.IsShimAlive(current)) return;

        string? engineId = c.EngineId;
        ContainerRecord? started = null;
        string? error = null;
        try
        {
            // The team's network, made on this node by its first launch there (and again if it was removed by hand).
            if (c.Spec.Network == SpecValidator.NetworkTeam)
            {
                try { await networks.EnsureAsync(c.TeamId, cancellationToken).ConfigureAwait(false); }
                catch (ControlPlaneException e) { throw new EngineException("the team's network could not be made: " + e.Message, e); }
                catch (DbUpdateException e) { throw new EngineException("the team's network could not be recorded: " + e.Message, e); }
            }
            if (engineId is null || engine.Containers.TryFind(engineId) is null)
                engineId = (await engine.CreateAsync(ToRunOptions(c), cancellationToken).ConfigureAwait(false)).Id;
            started = engine.Start(engineId);
        }
        catch (EngineException e)
        {
            logger.LogInformation("container {Id} did not start: {Message}", c.Id, e.Message);
            error = e.Message;
        }
        Trace.Mark("job: engine done");
        await SaveAsync(containerId, c, async (db, c) =>
        {
            var now = DateTimeOffset.UtcNow;
            c.EngineId = engineId;
            c.UpdatedAt = now;
            if (started is null)
            {
                c.State = ContainerState.Failed;
                c.LastError = error;
                c.LastExitCode = ContainerEngine.StartFailureExitCode(error!);
                c.FinishedAt = now;
                db.Events.Add(RunBook.Event(c, "start-failed", error, actorId));
                return;
            }
            var startedAt = started.State.StartedAt ?? now;
            // The event ingestor may have recorded this start's end already (a process that exits at once).
            var endedMeanwhile = c.State == ContainerState.Stopped
                && (c.FinishedAt >= startedAt || engine.Containers.TryFind(engineId!)?.State.Status is ContainerStatus.Exited or ContainerStatus.Dead);
            // A run is only ever opened with StartedAt set: a container that never started has none to close.
            if (c.StartedAt is not null) await RunBook.CloseAsync(db, c.Id, now, null, false, "lost", cancellationToken).ConfigureAwait(false);
            var run = new Run { ContainerId = c.Id, TeamId = c.TeamId, StartedById = actorId, Image = c.Spec.Image, StartedAt = startedAt };
            db.Runs.Add(run);
            db.Events.Add(RunBook.Event(c, "start", null, actorId, startedAt));
            c.StartedAt = startedAt;
            c.LastError = null;
            if (endedMeanwhile)
            {
                RunBook.End(run, c.FinishedAt!.Value, c.LastExitCode, false, c.StopReason ?? "exited");
                return;
            }
            if (c.State is ContainerState.Pending or ContainerState.Created or ContainerState.Stopped or ContainerState.Failed) c.State = ContainerState.Running;
            c.FinishedAt = null;
            c.ExpiresAt = c.Spec.TtlSeconds is { } ttl ? startedAt.AddSeconds(ttl) : null;
            c.StopReason = null;
            c.Health = c.Spec.HealthCheck is null ? null : "starting";
        }, cancellationToken).ConfigureAwait(false);
        // The start was recorded here, not by the event ingestor (see it): the live feeds learn of it from us.
        ingestor.Changed([containerId]);
    }

    /// <summary>Stops the container (its stop signal, then SIGKILL after its timeout) and ends its run with its stop reason.</summary>
    public async Task StopAsync(Guid containerId, CancellationToken cancellationToken)
    {
        using var held = await locks.TakeAsync(containerId, cancellationToken).ConfigureAwait(false);
        var c = await LoadAsync(containerId, cancellationToken).ConfigureAwait(false);
        if (c is null || c.Desired == DesiredState.Running) return;
        await StopOnEngineAsync(c, ContainerState.Stopped, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the container if it runs, then starts it again (one run ends, the next begins).</summary>
    public async Task RestartAsync(Guid containerId, Guid? actorId, CancellationToken cancellationToken)
    {
        // One hold for both halves: no other job on this container comes between the stop and the start.
        using var held = await locks.TakeAsync(containerId, cancellationToken).ConfigureAwait(false);
        var c = await LoadAsync(containerId, cancellationToken).ConfigureAwait(false);
        if (c is null || c.Desired != DesiredState.Running) return;
        c.StopReason ??= "restart";
        // Pending between the halves, not stopped: its quota share and ports stay held for the start that follows.
        await StopOnEngineAsync(c, ContainerState.Pending, cancellationToken).ConfigureAwait(false);
        await LaunchHeldAsync(containerId, actorId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the container from its node (killing it when it runs); the database keeps its record and history.</summary>
    public async Task RemoveAsync(Guid containerId, CancellationToken cancellationToken)
    {
        using var held = await locks.TakeAsync(containerId, cancellationToken).ConfigureAwait(false);
        var c = await LoadAsync(containerId, cancellationToken).ConfigureAwait(false);
        if (c is null || c.Desired != DesiredState.Removed || c.State == ContainerState.Removed) return;
        ContainerRunState? exit = null;
        if (c.EngineId is { } engineId && node.Engine.Containers.TryFind(engineId) is not null)
        {
            exit = node.Engine.Inspect(engineId).State;
            var wasRunning = ContainerEngine.IsShimAlive(node.Engine.Inspect(engineId));
            try { node.Engine.Remove(engineId, force: true); }
            catch (EngineException) when (node.Engine.Containers.TryFind(engineId) is null) { }
            if (wasRunning) exit = new ContainerRunState { ExitCode = 137, FinishedAt = DateTimeOffset.UtcNow };
        }
        await SaveAsync(containerId, async (db, c) =>
        {
            var now = DateTimeOffset.UtcNow;
            if (exit is not null) await RunBook.CloseAsync(db, c.Id, exit.FinishedAt ?? now, exit.ExitCode, exit.OomKilled, c.StopReason ?? "removed", cancellationToken).ConfigureAwait(false);
            c.State = ContainerState.Removed;
            c.RemovedAt = now;
            c.UpdatedAt = now;
            c.FinishedAt ??= now;
            db.Events.Add(RunBook.Event(c, "remove"));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a deleted team's network from this node (nothing to do when it is gone).</summary>
    public Task RemoveTeamNetworkAsync(string network, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        networks.RemoveFromNode(network);
        return Task.CompletedTask;
    }

    /// <summary>Stops the container on the engine and records the end of its run; the row is left in <paramref name="after"/>.</summary>
    private async Task StopOnEngineAsync(Container c, string after, CancellationToken cancellationToken)
    {
        ContainerRecord? record = null;
        if (c.EngineId is { } engineId && node.Engine.Containers.TryFind(engineId) is not null) record = node.Engine.Stop(engineId);
        var reason = c.StopReason;
        await SaveAsync(c.Id, async (db, c) =>
        {
            var now = record?.State.FinishedAt ?? DateTimeOffset.UtcNow;
            c.LastExitCode = record?.State.ExitCode ?? c.LastExitCode;
            await RunBook.CloseAsync(db, c.Id, now, record?.State.ExitCode, record?.State.OomKilled ?? false, reason ?? c.StopReason ?? "stopped", cancellationToken).ConfigureAwait(false);
            if (c.State != ContainerState.Removed) c.State = after;
            c.FinishedAt = now;
            c.ExpiresAt = null;
            c.UpdatedAt = DateTimeOffset.UtcNow;
            db.Events.Add(RunBook.Event(c, "stop", reason));
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Container?> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var c = await db.Containers.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, cancellationToken).ConfigureAwait(false);
        return c is not null && c.NodeId == node.NodeId ? c : null;
    }

    /// <summary>
    /// Applies <paramref name="apply"/> to a fresh copy of the container and saves; when the event ingestor or a user
    /// changed the row meanwhile (its xmin moved), reads it again and applies again.
    /// </summary>
    private Task SaveAsync(Guid id, Func<BerthDbContext, Container, Task> apply, CancellationToken cancellationToken)
        => SaveAsync(id, null, apply, cancellationToken);

    /// <summary>
    /// <see cref="SaveAsync(Guid, Func{BerthDbContext, Container, Task}, CancellationToken)"/> that first tries the copy
    /// the job read (<paramref name="read"/>, untracked) instead of reading the row again: its xmin is the check that
    /// nothing changed since.
    /// </summary>
    private async Task SaveAsync(Guid id, Container? read, Func<BerthDbContext, Container, Task> apply, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            Container c;
            if (attempt == 1 && read is not null)
            {
                c = read;
                db.Containers.Attach(c);
            }
            else
            {
                c = await db.Containers.FirstAsync(x => x.Id == id, cancellationToken).ConfigureAwait(false);
            }
            await apply(db, c).ConfigureAwait(false);
            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                Saved = c;
                return;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 10)
            {
            }
        }
    }

    /// <summary>The container's name as a hostname: names may hold '_', which hostnames may not ("web_1" runs as "web-1").</summary>
    private static string HostnameOf(Container c) => (c.Name.Length <= 63 ? c.Name : c.Name[..63]).Replace('_', '-');

    /// <summary>The engine's options for a control-plane container.</summary>
    public static RunOptions ToRunOptions(Container c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var s = c.Spec;
        var health = s.HealthCheck is { Command: { } command } h ? h : null;
        return new RunOptions
        {
            Image = s.Image,
            Name = EngineName(c.Id),
            Hostname = HostnameOf(c),
            Command = s.Command.Count > 0 ? s.Command : null,
            Env = s.Env.Select(kv => kv.Key + "=" + kv.Value).ToList(),
            Memory = s.MemoryBytes,
            Cpus = s.Cpus,
            PidsLimit = s.PidsLimit,
            Tmpfs = s.Mounts.Where(m => m.StartsWith("tmpfs:", StringComparison.Ordinal)).Select(m => m[6..]).ToList(),
            Volumes = s.Mounts.Where(m => !m.StartsWith("tmpfs:", StringComparison.Ordinal)).ToList(),
            Restart = s.RestartPolicy == "no" ? RestartPolicy.No : new RestartPolicy(s.RestartPolicy, s.MaxRetries ?? 0),
            Labels = new Dictionary<string, string> { ["berth.container"] = c.Id.ToString(), ["berth.team"] = c.TeamId.ToString() },
            HealthCommand = health?.Command,
            HealthInterval = health is null ? null : TimeSpan.FromSeconds(health.IntervalSeconds),
            HealthTimeout = health is null ? null : TimeSpan.FromSeconds(health.TimeoutSeconds),
            HealthRetries = health?.Retries,
            NoHealthcheck = health is null,
            // A definition saved before the field existed launches as it always did.
            UserNamespace = s.UserNamespace ?? "host",
            SeccompProfile = SpecValidator.SeccompOption(s.SeccompProfile),
            // Definitions saved before the field existed launch with none, as they always did.
            Network = s.Network switch
            {
                SpecValidator.NetworkTeam => TeamNetworks.NameFor(c.TeamId),
                SpecValidator.NetworkHost => "host",
                _ => "none",
            },
            Ports = s.Ports,
            // Its engine name is made of its id: the team's other containers reach it by its own name.
            NetworkAliases = s.Network == SpecValidator.NetworkTeam ? [c.Name] : [],
        };
    }
}
