using System.Formats.Tar;
using System.Globalization;
using System.Text.Json;

namespace Berth.Images;

/// <summary>
/// Makes a one-layer image of a root file system tarball (what <c>docker import</c> does): the tar, plain or gzip or
/// zstd, is checked entry by entry as it is read and kept, uncompressed, as the image's only layer, so that its
/// digest is its <c>diff_id</c>; an OCI config (os linux, the host's architecture unless told otherwise, the given
/// user, environment, entrypoint, command and working directory, one history entry) and an OCI manifest are
/// written with it.
/// </summary>
/// <remarks>
/// The layer is kept uncompressed: it is digested once, the unpacker reads it without decompressing, and
/// docker-archive export writes it as it is; a push would compress it. Entries are refused when their name or a hard
/// link's target is absolute or climbs out with <c>..</c>. Symbolic links (absolute ones too) and device nodes are
/// kept: they are resolved and created inside the root by the unpacker, which owns those rules.
/// </remarks>
public static class RootfsImporter
{
    /// <summary>The most entries a root file system tarball may hold.</summary>
    public const int MaxEntries = 1_000_000;

    private const string Format = "rootfs tarball";

    /// <summary>Imports the tarball read from <paramref name="tarball"/> (which the caller owns); returns the descriptor of the new image's manifest.</summary>
    /// <exception cref="ImageException">It is not a tar, is damaged or truncated, holds an entry that leaves the root, or the options are invalid; no image is made.</exception>
    public static async Task<Descriptor> ImportAsync(Stream tarball, ContentStore store, RootfsImportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new RootfsImportOptions();
        Check(options);
        await using var tar = await ArchiveInput.DecompressAsync(tarball, Format, cancellationToken).ConfigureAwait(false);
        return await ImportTarAsync(tar, store, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Imports an uncompressed tar.</summary>
    internal static async Task<Descriptor> ImportTarAsync(Stream tar, ContentStore store, RootfsImportOptions options, CancellationToken cancellationToken)
    {
        Check(options);
        Digest diffId;
        long size;
        await using (var layer = store.OpenWrite())
        {
            try
            {
                var tee = new TeeReadStream(tar, layer);
                await CheckEntriesAsync(tee, cancellationToken).ConfigureAwait(false);
                // What follows the end-of-archive blocks (a tar is padded to whole records) belongs to the layer too.
                await tee.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (TarDamage.IsDamage(e))
            {
                throw TarDamage.Wrap(Format, e);
            }
            size = layer.Written;
            diffId = await layer.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        var config = WriteConfig(options, diffId);
        var configDigest = await store.WriteAsync(config, cancellationToken: cancellationToken).ConfigureAwait(false);
        var manifest = new ImageManifest(MediaTypes.OciManifest, new Descriptor(MediaTypes.OciConfig, configDigest, config.Length),
            [new Descriptor(MediaTypes.OciLayer, diffId, size)]);
        var manifestBytes = ManifestWriter.Write(manifest);
        var manifestDigest = await store.WriteAsync(manifestBytes, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new Descriptor(MediaTypes.OciManifest, manifestDigest, manifestBytes.Length);
    }

    private static async Task CheckEntriesAsync(Stream tar, CancellationToken cancellationToken)
    {
        var reader = new TarReader(tar, leaveOpen: true);
        var count = 0;
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            // PAX global headers (git archive writes one) are metadata for the entries after them, not files; their
            // names mean nothing (tar writers put a temporary path there).
            if (entry.EntryType == TarEntryType.GlobalExtendedAttributes) continue;
            if (++count > MaxEntries) throw new ImageException($"{Format}: more than {MaxEntries} entries");
            var name = ArchivePaths.EntryName(entry.Name, Format);
            switch (entry.EntryType)
            {
                case TarEntryType.HardLink:
                    ArchivePaths.HardLinkTarget(name, entry.LinkName, Format);
                    break;
                case TarEntryType.Directory or TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile
                    or TarEntryType.SymbolicLink or TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                    break;
                default:
                    throw new ImageException($"{Format}: entry {name} is a {entry.EntryType}, which a root file system layer does not hold");
            }
        }
        if (count == 0) throw new ImageException($"{Format}: it holds no entries (is it a tar?)");
    }

    private static void Check(RootfsImportOptions options)
    {
        foreach (var env in options.Env ?? [])
        {
            if (env.IndexOf('=', StringComparison.Ordinal) <= 0) throw new ImageException($"{Format}: environment entry \"{env}\" is not NAME=value");
        }
        if (options.WorkingDir is { } dir && !dir.StartsWith('/')) throw new ImageException($"{Format}: working directory \"{dir}\" is not an absolute path");
    }

    private static byte[] WriteConfig(RootfsImportOptions options, Digest diffId)
    {
        var platform = options.Platform ?? Platform.Host;
        var created = (options.Created ?? DateTimeOffset.UtcNow).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("created", created);
            w.WriteString("architecture", platform.Architecture);
            w.WriteString("os", platform.Os);
            if (platform.Variant is { } variant) w.WriteString("variant", variant);
            w.WriteStartObject("config");
            if (options.User is { } user) w.WriteString("User", user);
            WriteStrings(w, "Env", options.Env);
            WriteStrings(w, "Entrypoint", options.Entrypoint);
            WriteStrings(w, "Cmd", options.Cmd);
            if (options.WorkingDir is { } dir) w.WriteString("WorkingDir", dir);
            w.WriteEndObject();
            w.WriteStartObject("rootfs");
            w.WriteString("type", "layers");
            w.WriteStartArray("diff_ids");
            w.WriteStringValue(diffId.ToString());
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartArray("history");
            w.WriteStartObject();
            w.WriteString("created", created);
            w.WriteString("created_by", "berth image import");
            w.WriteString("comment", options.Comment);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IReadOnlyList<string>? values)
    {
        if (values is null) return;
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
