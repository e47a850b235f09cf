using Berth.ControlPlane.Containers;
using Berth.ControlPlane.Images;
using Berth.ControlPlane.Teams;

namespace Berth.Ui.Model;

/// <summary>
/// The containers of the signed-in user, as the pages read and change them. The host implements it over the control
/// plane for the circuit's user, checking their rights afresh on each call; a refusal or bad input throws
/// <see cref="Berth.ControlPlane.ControlPlaneException"/> with a message for the user.
/// </summary>
public interface IContainerClient
{
    /// <summary>The containers the user sees, newest first (removed ones left out).</summary>
    Task<IReadOnlyList<ContainerView>> ListAsync(CancellationToken cancellationToken);

    Task<ContainerView> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Records and starts a container; returns once it runs (or failed to).</summary>
    Task<ContainerView> LaunchAsync(CreateContainerRequest request, CancellationToken cancellationToken);

    Task<ContainerView> StartAsync(Guid id, CancellationToken cancellationToken);

    Task<ContainerView> StopAsync(Guid id, CancellationToken cancellationToken);

    Task<ContainerView> RestartAsync(Guid id, CancellationToken cancellationToken);

    Task RemoveAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The container's runs, newest first.</summary>
    Task<IReadOnlyList<RunView>> RunsAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The container's events (create, start, die, oom…), oldest first.</summary>
    Task<IReadOnlyList<TimelineEvent>> EventsAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>The newest <paramref name="count"/> events of the containers the user sees, newest first.</summary>
    Task<IReadOnlyList<TimelineEvent>> RecentEventsAsync(int count, CancellationToken cancellationToken);

    /// <summary>The team's quota and what its containers hold of it now, for the launch form.</summary>
    Task<QuotaView> QuotaAsync(Guid teamId, CancellationToken cancellationToken);
}
