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
    public async Task<LoadResult> LoadAsync(string path, IProgress<(long Done, long Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var result = new LoadResult();
        using var hold = HoldStore();
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
                var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 17, FileOptions.SequentialScan);
                await using var input = progress is null ? (Stream)file : new ProgressReadStream(file, file.Length, progress);
                var imported = await ImageArchive.ImportAsync(input, Images, cancellationToken: cancellationToken).ConfigureAwait(false);
                foreach (var image in imported.Images)
                {
                    if (image.Tags.Count == 0) result.Unnamed.Add(image.Target.Digest.ToString());
                    foreach (var tag in image.Tags)
                    {
                        result.Names.Add(tag.Familiar);
                        Events.Append(new EngineEvent { Type = "image", Action = "load", Subject = tag.ToString(), Image = image.Target.Digest.ToString() });
                    }
                }
            }
            return result;
        }
        catch (ImageException e) when (e.Message.StartsWith("a root file system tarball", StringComparison.Ordinal))
        {
            throw new EngineException($"load {path}: it is a root file system tarball, not an image archive; make an image of it with berth image import FILE NAME", e);
        }
        catch (ImageException e)
        {
            throw new EngineException($"load {path}: {e.Message}", e);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new EngineException($"load {path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Makes a one-layer image of a root file system tarball (plain, gzip or zstd; <c>berth image import</c>) named
    /// <paramref name="name"/>, with the config <paramref name="options"/> gives; returns the name set.
    /// </summary>
    /// <exception cref="EngineException">A bad name, or a tarball that is damaged or hostile.</exception>
    public async Task<ImageReference> ImportAsync(string path, string name, RootfsImportOptions? options = null, CancellationToken cancellationToken = default)
    {
        var reference = ParseReference(name);
        if (reference.Tag is null) reference = reference.WithTag("latest");
        using var hold = HoldStore();
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 17, FileOptions.SequentialScan);
            await ImageArchive.ImportAsync(file, Images, new ArchiveImportOptions { Name = reference, Rootfs = options ?? new RootfsImportOptions() }, cancellationToken).ConfigureAwait(false);
        }
        catch (ImageException e)
        {
            throw new EngineException($"import {path}: {e.Message}", e);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new EngineException($"import {path}: {e.Message}", e);
        }
        Events.Append(new EngineEvent { Type = "image", Action = "import", Subject = reference.ToString() });
        return reference;
    }

    /// <summary>
    /// Writes images to <paramref name="output"/> as a <c>docker save</c> archive, or an OCI layout tar when
    /// <paramref name="oci"/> (<c>berth image save</c>).
    /// </summary>
    /// <exception cref="EngineException">No such image, or one whose blobs are missing or damaged.</exception>
    public async Task SaveAsync(Stream output, IReadOnlyList<string> names, bool oci, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(names);
        var images = new List<(ImageReference, Descriptor)>();
        foreach (var name in names)
        {
            var reference = ParseReference(name);
            if (reference.Tag is null && reference.Digest is null) reference = reference.WithTag("latest");
            var target = Images.Resolve(reference) ?? throw new EngineException($"no such image: {reference.Familiar}");
            images.Add((reference, target));
        }
        try
        {
            if (oci) await OciArchiveWriter.WriteAsync(output, Images, images, cancellationToken).ConfigureAwait(false);
            else await DockerArchiveWriter.WriteAsync(output, Images, images, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ImageException e)
        {
            throw new EngineException($"save: {e.Message}", e);
        }
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
