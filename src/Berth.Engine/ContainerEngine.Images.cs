using System.Collections.Concurrent;
using Berth.Images;

namespace Berth.Engine;

public sealed partial class ContainerEngine
{
    /// <summary>How many images <see cref="_images"/> keeps before it starts over.</summary>
    private const int ImageCacheSize = 64;

    /// <summary>
    /// Images already read, by the digest a name resolved to: their blobs never change (they are named by their
    /// digest), so a long-lived engine (the control plane's) reads and checks them once instead of at every launch.
    /// An entry counts only while its blobs are still in the store.
    /// </summary>
    private readonly ConcurrentDictionary<Digest, ResolvedImage> _images = new();

    /// <summary>
    /// Finds an image in the store by reference (<c>busybox</c>, <c>name@sha256:…</c>) or by id (its config digest,
    /// <c>sha256:…</c> or a prefix of at least 4 hex digits); an index gives its manifest for linux/amd64.
    /// </summary>
    /// <exception cref="EngineException">No such image, or an id prefix that matches several.</exception>
    public async Task<ResolvedImage> ResolveImageAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        if (await FindByIdAsync(text, cancellationToken).ConfigureAwait(false) is { } byId) return byId;
        ImageReference reference;
        try { reference = ImageReference.Parse(text); }
        catch (ImageException e) { throw new EngineException(e.Message, e); }
        var descriptor = Images.Resolve(reference)
                         ?? throw new EngineException($"no such image: {reference.Familiar} (pull it with berth image pull, or load it with berth image load)");
        return await ReadImageAsync(reference, descriptor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Unpacks the layers of an image that are not unpacked yet (<c>berth image unpack</c>), so that its first
    /// container starts without waiting for them; returns how many were unpacked.
    /// </summary>
    /// <exception cref="EngineException">No such image, or a layer that cannot be unpacked.</exception>
    public async Task<int> UnpackAsync(string text, CancellationToken cancellationToken = default)
    {
        using var hold = HoldStore();
        var image = await ResolveImageAsync(text, cancellationToken).ConfigureAwait(false);
        var missing = SnapshotStore.ChainIds(image.Config.DiffIds).Count(c => !Snapshots.Exists(c));
        try { await Snapshots.PrepareAsync(Images.Content, image.Manifest, image.Config, cancellationToken: cancellationToken).ConfigureAwait(false); }
        catch (ImageException e) { throw new EngineException($"image {text}: {e.Message}", e); }
        return missing;
    }

    /// <summary>Whether <paramref name="text"/> names an image in the store (false for a reference that is not valid).</summary>
    public bool HasImage(string text)
    {
        try
        {
            ResolveImageAsync(text).GetAwaiter().GetResult();
            return true;
        }
        catch (EngineException)
        {
            return false;
        }
    }

    /// <summary>Every named image: its names and what they resolve to, one entry per name.</summary>
    public async Task<IReadOnlyList<(ImageReference Reference, ResolvedImage Image)>> ListImagesAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<(ImageReference, ResolvedImage)>();
        foreach (var (reference, target) in Images.List())
        {
            try { list.Add((reference, await ReadImageAsync(reference, target, cancellationToken).ConfigureAwait(false))); }
            catch (Exception e) when (e is ImageException or EngineException)
            {
                // A name whose blobs are gone or damaged is listed by image ls as such, not here.
            }
        }
        return list;
    }

    private async Task<ResolvedImage?> FindByIdAsync(string text, CancellationToken cancellationToken)
    {
        var hex = text.StartsWith("sha256:", StringComparison.Ordinal) ? text[7..] : text;
        if (hex.Length is < 4 or > 64 || !hex.All(char.IsAsciiHexDigitLower)) return null;
        var matches = new Dictionary<Digest, ResolvedImage>();
        foreach (var (reference, image) in await ListImagesAsync(cancellationToken).ConfigureAwait(false))
            if (image.ConfigDigest.Hex.StartsWith(hex, StringComparison.Ordinal)) matches.TryAdd(image.ConfigDigest, image with { Reference = reference });
        return matches.Count switch
        {
            0 => null,
            1 => matches.Values.First(),
            _ => throw new EngineException($"\"{text}\" matches {matches.Count} images; give more of the id"),
        };
    }

    private async Task<ResolvedImage> ReadImageAsync(ImageReference? reference, Descriptor descriptor, CancellationToken cancellationToken)
    {
        var named = descriptor.Digest;
        if (_images.TryGetValue(named, out var known) && Images.Content.Exists(named) && Images.Content.Exists(known.ConfigDigest))
            return known with { Reference = reference };
        try
        {
            var document = ManifestReader.Read(await Images.Content.ReadAllAsync(descriptor.Digest, ManifestReader.MaxSize, cancellationToken).ConfigureAwait(false), descriptor.MediaType);
            if (document is ImageIndex index)
            {
                descriptor = index.Select(Platform.Default);
                document = ManifestReader.Read(await Images.Content.ReadAllAsync(descriptor.Digest, ManifestReader.MaxSize, cancellationToken).ConfigureAwait(false), descriptor.MediaType);
            }
            if (document is not ImageManifest manifest) throw new EngineException($"{descriptor.Digest} is not an image manifest");
            var config = ImageConfigReader.Read(await Images.Content.ReadAllAsync(manifest.Config.Digest, ImageConfigReader.MaxSize, cancellationToken).ConfigureAwait(false));
            var image = new ResolvedImage(reference, descriptor, manifest, manifest.Config.Digest, config);
            if (_images.Count >= ImageCacheSize) _images.Clear();
            _images[named] = image;
            return image;
        }
        catch (ImageException e)
        {
            throw new EngineException($"image {reference?.Familiar ?? descriptor.Digest.ToString()}: {e.Message}", e);
        }
    }
}
