namespace Berth.Ui.Model;

/// <summary>What the containers grid does to its selected rows.</summary>
public enum BulkAction
{
    Start,
    Stop,
    Remove,
}
