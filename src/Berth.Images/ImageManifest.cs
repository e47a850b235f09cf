namespace Berth.Images;

/// <summary>An image manifest: its config blob and its layers, bottom first.</summary>
public sealed record ImageManifest(string MediaType, Descriptor Config, IReadOnlyList<Descriptor> Layers);
