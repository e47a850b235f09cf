using Berth.ControlPlane.Containers;

namespace Berth.Ui.Model;

/// <summary>A run on the History page: the run and the name of its team (its id, once the team is gone).</summary>
public sealed record HistoryRun(RunView Run, string Team);
