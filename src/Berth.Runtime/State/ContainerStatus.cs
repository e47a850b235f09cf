namespace Berth.Runtime.State;

/// <summary>The lifecycle states of the OCI runtime spec, plus paused.</summary>
public enum ContainerStatus
{
    Creating,
    Created,
    Running,
    Paused,
    Stopped,
}
