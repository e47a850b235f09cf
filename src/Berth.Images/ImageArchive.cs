using System.Formats.Tar;

namespace Berth.Images;

/// <summary>
/// The one way in for image archives (<c>berth image load</c> and <c>berth image import</c>): tells a docker-archive,
/// an OCI layout tar and a plain root file system tarball apart by their content, gzip or zstd compressed or not,
/// imports the images in one pass over the stream, and names them in the <see cref="ImageStore"/>.
/// </summary>
/// <remarks>
/// <para>The compression is told by the first bytes (<see cref="LayerStreams.Sniff"/>). The format is told by the first
/// tar entries: as long as they are folders an image archive holds (<c>blobs/</c>, <c>blobs/sha256/</c>, a layer's
/// <c>HEX/</c>, <c>./</c>) or PAX global headers the decision waits; the first other entry decides. A name an image archive holds
/// (<c>manifest.json</c>, <c>index.json</c>, <c>oci-layout</c>, <c>repositories</c>, <c>HEX.json</c>, <c>HEX.tar</c>,
/// <c>HEX/layer.tar</c>, <c>blobs/sha256/HEX</c>…) makes it an image archive, read to the end; then <c>oci-layout</c>
/// with <c>index.json</c> makes it an OCI layout (preferred when <c>manifest.json</c> is there too, as newer
/// <c>docker save</c> writes both, because it keeps the images' own manifests), and <c>manifest.json</c> alone a
/// docker-archive. Any other first entry makes it a root file system tarball, read again from its first byte
/// (the headers read so far are remembered, never the input).</para>
/// <para>Names: a docker-archive's <c>RepoTags</c>; for an OCI layout, an entry's <c>io.containerd.image.name</c>, else
/// its <c>org.opencontainers.image.ref.name</c> when that is a reference (it holds a <c>/</c> or a <c>:</c>), or a tag
/// put on <see cref="ArchiveImportOptions.Name"/>'s repository when it is only a tag (untagged without a name); an
/// image left with no name gets <see cref="ArchiveImportOptions.Name"/>. The names are set together, after every
/// image was imported and checked: a refused import sets none (verified blobs it stored stay, unreferenced).</para>
/// </remarks>
public static class ImageArchive
{
    private const string What = "image archive";
    private const int MaxHeaderBytes = 1 << 20;

    /// <summary>
    /// Imports the archive or tarball read from <paramref name="input"/> (which the caller owns) into
    /// <paramref name="store"/> and names its images.
    /// </summary>
    /// <exception cref="ImageException">
    /// The input is not a tar or is damaged, hostile or inconsistent; a root file system tarball came without a name;
    /// a name in the archive is invalid; or several images have no name and one was given. Nothing is named.
    /// </exception>
    public static async Task<ArchiveImportResult> ImportAsync(Stream input, ImageStore store, ArchiveImportOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(store);
        options ??= new ArchiveImportOptions();
        if (options.Name is { Tag: null } n) throw new ImageException($"cannot name images {n}: a name needs a tag");
        try
        {
            await using var tar = await ArchiveInput.DecompressAsync(input, What, cancellationToken).ConfigureAwait(false);
            var headers = new RewindableStream(tar, MaxHeaderBytes, What);
            var reader = new TarReader(headers, leaveOpen: true);
            var seen = 0;
            TarEntry? first;
            while ((first = await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false)) is not null
                && (first.EntryType == TarEntryType.GlobalExtendedAttributes || (first.EntryType == TarEntryType.Directory && IsArchiveFolder(first.Name))))
            {
                seen++;
            }

            if (first is not null && IsArchiveName(first.Name))
            {
                headers.Commit();
                var contents = await ArchiveContents.ReadAsync(reader, first, seen, store.Content, What, cancellationToken).ConfigureAwait(false);
                var (format, images) = await ImportImagesAsync(contents, store.Content, options, cancellationToken).ConfigureAwait(false);
                return Name(store, format, images);
            }

            if (first is null && seen == 0) throw new ImageException($"{What}: it holds no entries (is it a tar?)");
            headers.Rewind();
            var name = options.Name ?? throw new ImageException("a root file system tarball needs a name to be imported as (NAME[:TAG])");
            var manifest = await RootfsImporter.ImportTarAsync(headers, store.Content, options.Rootfs, cancellationToken).ConfigureAwait(false);
            return Name(store, ArchiveFormat.RootfsTarball, [(manifest, [name])]);
        }
        catch (Exception e) when (TarDamage.IsDamage(e))
        {
            throw new ImageException($"{What}: not a tar, or a damaged or unsupported one: {e.Message}", e);
        }
    }

    private static bool IsArchiveFolder(string raw)
        => TryEntryName(raw) is { } name && (name.Length == 0 || name is "blobs" or "blobs/sha256" || ArchivePaths.IsHex(name));

    private static bool IsArchiveName(string raw) => TryEntryName(raw) is { } name && ArchivePaths.IsImageArchiveName(name);

    /// <summary>The checked name, or null for one that leaves the archive (a root file system tarball's importer refuses it then).</summary>
    private static string? TryEntryName(string raw)
    {
        try
        {
            return ArchivePaths.EntryName(raw, What);
        }
        catch (ImageException)
        {
            return null;
        }
    }

    private static async Task<(ArchiveFormat, List<(Descriptor, List<ImageReference>)>)> ImportImagesAsync(
        ArchiveContents contents, ContentStore store, ArchiveImportOptions options, CancellationToken cancellationToken)
    {
        var images = new List<(Descriptor Target, List<ImageReference> Names)>();
        if (contents.Has("oci-layout") && contents.Has("index.json"))
        {
            contents.Format = "oci-archive";
            var found = await OciArchiveReader.ImportAsync(contents, store, cancellationToken).ConfigureAwait(false);
            foreach (var group in found.GroupBy(i => i.IndexEntry!))
            {
                var names = new List<ImageReference>();
                var image = group.First();
                if (image.ImageName is { } full) names.Add(Parse(full, contents.Format));
                else if (image.RefName is { } refName && (refName.Contains('/', StringComparison.Ordinal) || refName.Contains(':', StringComparison.Ordinal))) names.Add(Parse(refName, contents.Format));
                else if (image.RefName is { } tag && options.Name is { } name) names.Add(WithTag(name, tag, contents.Format));
                images.Add((group.Key, names));
            }
            return (ArchiveFormat.OciArchive, Unnamed(images, options));
        }
        if (contents.Has("manifest.json"))
        {
            contents.Format = "docker-archive";
            var found = await DockerArchiveReader.ImportAsync(contents, store, cancellationToken).ConfigureAwait(false);
            images.AddRange(found.Select(i => (i.ManifestDescriptor, i.RepoTags.Select(t => Parse(t, contents.Format)).ToList())));
            return (ArchiveFormat.DockerArchive, Unnamed(images, options));
        }
        throw new ImageException($"{What}: it holds neither manifest.json (docker-archive) nor oci-layout and index.json (OCI layout)");
    }

    /// <summary>Gives <see cref="ArchiveImportOptions.Name"/> to the one image left without a name.</summary>
    private static List<(Descriptor, List<ImageReference>)> Unnamed(List<(Descriptor Target, List<ImageReference> Names)> images, ArchiveImportOptions options)
    {
        if (options.Name is not { } name) return images;
        var unnamed = images.Where(i => i.Names.Count == 0).ToList();
        if (unnamed.Count > 1) throw new ImageException($"the archive holds {unnamed.Count} images without a name; {name.Familiar} can name only one");
        foreach (var image in unnamed) image.Names.Add(name);
        return images;
    }

    private static ImageReference Parse(string text, string format)
    {
        var reference = ImageReference.TryParse(text, out var r, out var error) ? r! : throw new ImageException($"{format}: it names an image {error}");
        return reference.Tag is null ? throw new ImageException($"{format}: it names an image \"{text}\" without a tag") : reference;
    }

    private static ImageReference WithTag(ImageReference name, string tag, string format)
    {
        try
        {
            return name.WithTag(tag);
        }
        catch (ImageException e)
        {
            throw new ImageException($"{format}: org.opencontainers.image.ref.name: {e.Message}", e);
        }
    }

    private static ArchiveImportResult Name(ImageStore store, ArchiveFormat format, List<(Descriptor Target, List<ImageReference> Names)> images)
    {
        store.Tag(images.SelectMany(i => i.Names.Select(n => (n, i.Target))).ToList());
        return new ArchiveImportResult(format, images.Select(i => new ImportedImage(i.Target, i.Names)).ToList());
    }
}
