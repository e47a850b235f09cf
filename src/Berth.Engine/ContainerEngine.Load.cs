using Berth.Images;

namespace Berth.Engine;

public sealed partial class ContainerEngine
{
    /// <summary>
    /// Loads images from <paramref name="path"/>: an OCI image layout directory, or a <c>docker save</c> archive,
    /// and names them as the archive says (RepoTags, or the layout's ref.name annotations). Returns the names set,
    /// and the ids of images that came without a name.
    /// </summary>
    /// <exception cref="EngineException">Not an image archive, or a hostile or damaged one (nothing is named then).</exception>
    public async Task<LoadResult> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        var result = new LoadResult();
        try
        {
            if (Directory.Exists(path))
            {
                foreach (var image in await OciLayoutReader.ImportAsync(path, Images.Content, cancellationToken).ConfigureAwait(false))
                {
                    var configId = image.Manifest.Config.Digest.ToString();
                    if (image.RefName is { } name && ParseName(name) is { } reference) Name(reference, image.ManifestDescriptor, result, configId);
                    else result.Unnamed.Add(configId);
                }
            }
            else
            {
                await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 17, FileOptions.SequentialScan);
                foreach (var image in await DockerArchiveReader.ImportAsync(file, Images.Content, cancellationToken).ConfigureAwait(false))
                {
                    var configId = image.Manifest.Config.Digest.ToString();
                    if (image.RepoTags.Count == 0) result.Unnamed.Add(configId);
                    foreach (var tag in image.RepoTags)
                        if (ParseName(tag) is { } reference) Name(reference, image.ManifestDescriptor, result, configId);
                }
            }
        }
        catch (ImageException e)
        {
            throw new EngineException($"load {path}: {e.Message}", e);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new EngineException($"load {path}: {e.Message}", e);
        }
        return result;
    }

    /// <summary>Gives the image <paramref name="source"/> names another name (<c>berth image tag</c>).</summary>
    public async Task<ImageReference> TagAsync(string source, string target, CancellationToken cancellationToken = default)
    {
        var image = await ResolveImageAsync(source, cancellationToken).ConfigureAwait(false);
        ImageReference reference;
        try { reference = ImageReference.Parse(target); }
        catch (ImageException e) { throw new EngineException(e.Message, e); }
        if (reference.Digest is not null) throw new EngineException($"cannot tag with {target}: a name to give may not hold a digest");
        var descriptor = image.Reference is { } r && Images.Resolve(r) is { } d ? d : image.ManifestDescriptor;
        Images.Tag(reference, descriptor);
        Events.Append(new EngineEvent { Type = "image", Action = "tag", Subject = reference.ToString(), Image = image.Id });
        return reference;
    }

    private void Name(ImageReference reference, Descriptor manifest, LoadResult result, string configId)
    {
        Images.Tag(reference, manifest);
        result.Names.Add(reference.Familiar);
        Events.Append(new EngineEvent { Type = "image", Action = "load", Subject = reference.ToString(), Image = configId });
    }

    /// <summary>A name from an archive: a full reference, or a bare tag (OCI layouts often say just <c>latest</c>), which names nothing.</summary>
    private static ImageReference? ParseName(string text)
    {
        if (!text.Contains(':', StringComparison.Ordinal) && !text.Contains('/', StringComparison.Ordinal)) return null;
        return ImageReference.TryParse(text, out var r, out _) && r?.Tag is not null ? r : null;
    }
}
