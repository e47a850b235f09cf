namespace Berth.ControlPlane.Usage;

/// <summary>What usage rows are summed by.</summary>
public enum UsageGrouping
{
    Team,
    User,
    Container,
}
