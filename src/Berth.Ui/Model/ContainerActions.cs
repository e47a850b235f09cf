namespace Berth.Ui.Model;

/// <summary>What the confirmation of each container action warns of.</summary>
public static class ContainerActions
{
    public static string Warning(ContainerAction action) => action switch
    {
        ContainerAction.Start => "It starts again from its definition, within the team's quota.",
        ContainerAction.Stop => "Its processes get SIGTERM, then SIGKILL after the grace period.",
        ContainerAction.Restart => "Its processes are stopped and it starts again.",
        _ => "It is killed if it runs, and removed. Its runs, events and audit stay in the history.",
    };
}
