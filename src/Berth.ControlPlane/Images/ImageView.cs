namespace Berth.ControlPlane.Images;

/// <summary>An image name on a node: the name (Docker's short form), the image id (its config's digest), its size (config and compressed layers) and when it was built, when its config says.</summary>
public sealed record ImageView(string Reference, string Id, long SizeBytes, DateTimeOffset? Created);
