namespace Berth.Ui.Model;

/// <summary>What the container page's buttons do.</summary>
public enum ContainerAction
{
    Start,
    Stop,
    Restart,
    Remove,
}
