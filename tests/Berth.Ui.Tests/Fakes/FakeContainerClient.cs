using System.Collections.Concurrent;
using Berth.ControlPlane;
using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Images;
using Berth.ControlPlane.Teams;
using Berth.Ui.Model;

namespace Berth.Ui.Tests.Fakes;

/// <summary>The user's containers held in memory; every change asked for is recorded.</summary>
public sealed class FakeContainerClient : IContainerClient
{
    /// <summary>What <see cref="ListAsync"/> answers; <see cref="GetAsync"/> finds in it or throws not found.</summary>
    public List<ContainerView> Containers { get; set; } = [];


    /// <summary>By default the quota of <see cref="FakeSessionClient.TeamId"/>: 1 of 10 containers, 0.5 of 4 CPUs, 64 MiB of 1 GiB, 5 processes of no limit.</summary>
    public Dictionary<Guid, QuotaView> Quotas { get; } = new()
    {
        [FakeSessionClient.TeamId] = new(FakeSessionClient.TeamId, FakeSessionClient.TeamName, 10, 4, 1L << 30, null, new QuotaUse(1, 0.5, 64L << 20, 5), 1),
    };

    public List<RunView> Runs { get; set; } = [];

    public List<TimelineEvent> Events { get; set; } = [];

    /// <summary>When set, <see cref="LaunchAsync"/> throws it.</summary>
    public ControlPlaneException? LaunchFailure { get; set; }

    public ConcurrentQueue<CreateContainerRequest> Launched { get; } = new();

    public ConcurrentQueue<(string Action, Guid Id)> Actions { get; } = new();

    public int ListCalls => _listCalls;

    private int _listCalls;

    public Task<IReadOnlyList<ContainerView>> ListAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _listCalls);
        return Task.FromResult<IReadOnlyList<ContainerView>>(Containers.ToList());
    }

    public Task<ContainerView> GetAsync(Guid id, CancellationToken cancellationToken)
        => Task.FromResult(Find(id));

    public Task<ContainerView> LaunchAsync(CreateContainerRequest request, CancellationToken cancellationToken)
    {
        Launched.Enqueue(request);
        if (LaunchFailure is { } e) throw e;
        var view = Samples.Container(request.Name ?? "launched", image: request.Image ?? "");
        Containers.Add(view);
        return Task.FromResult(view);
    }

    public Task<ContainerView> StartAsync(Guid id, CancellationToken cancellationToken) => Act("start", id, "running");

    public Task<ContainerView> StopAsync(Guid id, CancellationToken cancellationToken) => Act("stop", id, "exited");

    public Task<ContainerView> RestartAsync(Guid id, CancellationToken cancellationToken) => Act("restart", id, "running");

    public Task RemoveAsync(Guid id, CancellationToken cancellationToken)
    {
        Actions.Enqueue(("remove", id));
        Containers.Remove(Find(id));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RunView>> RunsAsync(Guid id, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<RunView>>(Runs);

    public Task<IReadOnlyList<TimelineEvent>> EventsAsync(Guid id, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<TimelineEvent>>(Events);

    public Task<IReadOnlyList<TimelineEvent>> RecentEventsAsync(int count, CancellationToken cancellationToken)
        => Task.FromResult<IReadOnlyList<TimelineEvent>>(Events.OrderByDescending(e => e.Time).Take(count).ToList());


    public Task<QuotaView> QuotaAsync(Guid teamId, CancellationToken cancellationToken)
        => Quotas.TryGetValue(teamId, out var q) ? Task.FromResult(q) : throw ControlPlaneException.NotFound("team");

    private ContainerView Find(Guid id) => Containers.FirstOrDefault(c => c.Id == id) ?? throw ControlPlaneException.NotFound("container");

    private Task<ContainerView> Act(string action, Guid id, string state)
    {
        Actions.Enqueue((action, id));
        var i = Containers.FindIndex(c => c.Id == id);
        if (i < 0) throw ControlPlaneException.NotFound("container");
        Containers[i] = Containers[i] with { State = state, DesiredState = state == "running" ? "running" : "stopped" };
        return Task.FromResult(Containers[i]);
    }
}
