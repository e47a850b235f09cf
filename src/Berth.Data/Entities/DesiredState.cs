namespace Berth.Data.Entities;

/// <summary>What the control plane wants of a container; workers drive the node towards it.</summary>
public enum DesiredState
{
    Running = 0,
    Stopped = 1,
    Removed = 2,
}
