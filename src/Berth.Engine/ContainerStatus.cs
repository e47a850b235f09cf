namespace Berth.Engine;

/// <summary>The states a container goes through (Docker's names).</summary>
public static class ContainerStatus
{
    public const string Created = "created";
    public const string Running = "running";
    public const string Restarting = "restarting";
    public const string Exited = "exited";
    public const string Dead = "dead";
}
