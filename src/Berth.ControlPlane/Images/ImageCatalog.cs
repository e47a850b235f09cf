using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Engine;
using Berth.Images;
using Microsoft.EntityFrameworkCore;

namespace Berth.ControlPlane.Images;

/// <summary>What the local node's image store holds, as the API shows it, and its record in the <c>node_images</c> table.</summary>
public sealed class ImageCatalog(IDbContextFactory<BerthDbContext> dbFactory, NodeEngine node, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset?> _created = new(StringComparer.Ordinal);

    /// <summary>Every image name of the node's store, by name.</summary>
    public async Task<IReadOnlyList<ImageView>> ListAsync(CancellationToken cancellationToken)
    {
        var images = await node.Engine.ListImagesAsync(cancellationToken).ConfigureAwait(false);
        var views = new List<ImageView>();
        foreach (var (reference, image) in images)
        {
            views.Add(new ImageView(reference.Familiar, image.Id, SizeOf(image), await CreatedAsync(image, cancellationToken).ConfigureAwait(false)));
        }
        return views.OrderBy(v => v.Reference, StringComparer.Ordinal).ToList();
    }

    /// <summary>The image <paramref name="reference"/> names (a name or an id), with its config and layers.</summary>
    /// <exception cref="EngineException">No such image, an id prefix that matches several, or an image whose blobs cannot be read.</exception>
    public async Task<ImageDetails> InspectAsync(string reference, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(reference);
        var image = await node.Engine.ResolveImageAsync(reference, cancellationToken).ConfigureAwait(false);
        var names = (await node.Engine.ListImagesAsync(cancellationToken).ConfigureAwait(false))
            .Where(i => i.Image.Id == image.Id).Select(i => i.Reference.Familiar).Distinct().Order(StringComparer.Ordinal).ToList();
        var c = image.Config;
        var chains = SnapshotStore.ChainIds(c.DiffIds);
        // diff_ids and layers pair up by position (OCI image spec, config.md: rootfs.diff_ids); a config that says
        // fewer leaves the rest without one.
        var layers = image.Manifest.Layers.Select((l, i) => new ImageLayerView(
            l.Digest.ToString(), l.MediaType, l.Size, i < c.DiffIds.Count ? c.DiffIds[i].ToString() : null, i < chains.Count && node.Engine.Snapshots.Exists(chains[i]))).ToList();
        return new ImageDetails(image.Reference?.Familiar ?? image.Id, image.Id, image.ManifestDescriptor.Digest.ToString(), names, c.Platform.ToString(), SizeOf(image),
            await CreatedAsync(image, cancellationToken).ConfigureAwait(false), c.User, c.Entrypoint, c.Cmd, c.Env, c.WorkingDir, c.ExposedPorts, c.Volumes, c.Labels,
            c.StopSignal, layers);
    }

    /// <summary>Lists the images and records them in <c>node_images</c> in a transaction of its own.</summary>
    public async Task<IReadOnlyList<ImageView>> RefreshAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var images = await RecordAsync(db, cancellationToken).ConfigureAwait(false);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return images;
    }

    /// <summary>
    /// Lists the images and makes this node's rows of <c>node_images</c> say the same, in the transaction open on
    /// <paramref name="db"/> (under a lock per node, held until it ends); the caller saves and commits.
    /// </summary>
    public async Task<IReadOnlyList<ImageView>> RecordAsync(BerthDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        await LockedReads.TakeAsync(db, "node-images:" + node.NodeId, cancellationToken).ConfigureAwait(false);
        var images = await ListAsync(cancellationToken).ConfigureAwait(false);
        var rows = await db.NodeImages.Where(i => i.NodeId == node.NodeId).ToDictionaryAsync(i => i.Reference, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        foreach (var (reference, row) in rows)
            if (!images.Any(i => i.Reference == reference)) db.NodeImages.Remove(row);
        foreach (var image in images)
        {
            if (!rows.TryGetValue(image.Reference, out var row))
            {
                row = new NodeImage { NodeId = node.NodeId, Reference = image.Reference, ImageId = image.Id };
                db.NodeImages.Add(row);
            }
            row.ImageId = image.Id;
            row.SizeBytes = image.SizeBytes;
            row.SeenAt = now;
        }
        return images;
    }

    /// <summary>The size the API shows: the config and the compressed layers.</summary>
    private static long SizeOf(ResolvedImage image) => image.Manifest.Config.Size + image.Manifest.Layers.Sum(l => l.Size);

    /// <summary>The <c>created</c> time of the image's config, when it has one.</summary>
    private async Task<DateTimeOffset?> CreatedAsync(ResolvedImage image, CancellationToken cancellationToken)
    {
        if (_created.TryGetValue(image.Id, out var known)) return known;
        DateTimeOffset? created = null;
        try
        {
            var bytes = await node.Engine.Images.Content.ReadAllAsync(image.ConfigDigest, ImageConfigReader.MaxSize, cancellationToken).ConfigureAwait(false);
            using var json = JsonDocument.Parse(bytes);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("created", out var c) && c.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(c.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                created = parsed;
        }
        catch (Exception e) when (e is ImageException or JsonException or IOException)
        {
            // The store's own reader accepted this config; a time it cannot read is shown as unknown.
        }
        _created[image.Id] = created;
        return created;
    }
}
