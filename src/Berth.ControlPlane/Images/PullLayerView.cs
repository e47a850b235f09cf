namespace Berth.ControlPlane.Images;

/// <summary>One layer of a pull: <c>waiting</c>, <c>downloading</c>, <c>complete</c> or <c>already-exists</c>, and its bytes done of total.</summary>
public sealed record PullLayerView(string Digest, string State, long Done, long Total);
