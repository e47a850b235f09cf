namespace Berth.Data.Entities;

/// <summary>A container's state as the API shows it (lower case, as Docker's).</summary>
public static class ContainerState
{
    /// <summary>Recorded; not yet made on its node.</summary>
    public const string Pending = "pending";
    public const string Created = "created";
    public const string Running = "running";
    public const string Restarting = "restarting";
    public const string Stopped = "stopped";
    /// <summary>Its launch failed (<see cref="Container.LastError"/> says why).</summary>
    public const string Failed = "failed";
    /// <summary>Its node no longer knows it (removed outside the control plane).</summary>
    public const string Lost = "lost";
    public const string Removed = "removed";

    /// <summary>States in which a container counts against its team's running quotas.</summary>
    public static bool IsActive(string state) => state is Pending or Created or Running or Restarting;
}
