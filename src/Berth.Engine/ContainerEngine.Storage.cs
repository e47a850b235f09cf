using Berth.Images;
using Berth.Linux;

namespace Berth.Engine;

public sealed partial class ContainerEngine
{
    /// <summary>
    /// Removes the blobs and snapshots nothing needs: a blob is kept when a name leads to it (through an index, a
    /// manifest, its config and layers) or a container was made from it; a snapshot when a kept image's layers or a
    /// container stand on it. Returns what went and the bytes freed.
    /// </summary>
    public async Task<GarbageReport> CollectGarbageAsync(CancellationToken cancellationToken = default)
    {
        using var held = LockStore();
        return await CollectGarbageHeldAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<GarbageReport> CollectGarbageHeldAsync(CancellationToken cancellationToken)
    {
        var keepBlobs = new HashSet<Digest>();
        var keepSnapshots = new HashSet<Digest>();
        var roots = Images.List().Select(n => n.Target.Digest).ToList();
        foreach (var c in Containers.List())
        {
            if (Digest.TryParse(c.ManifestDigest, out var m)) roots.Add(m);
            foreach (var s in c.Snapshots)
                if (Digest.TryParse(s, out var d)) keepSnapshots.Add(d);
        }
        foreach (var root in roots) await MarkAsync(root, keepBlobs, keepSnapshots, cancellationToken).ConfigureAwait(false);

        var report = new GarbageReport();
        foreach (var blob in Images.Content.List())
        {
            if (keepBlobs.Contains(blob)) continue;
            var size = Images.Content.Exists(blob) ? Images.Content.SizeOf(blob) : 0;
            if (Images.Content.Delete(blob))
            {
                report.Blobs++;
                report.Bytes += size;
            }
        }
        foreach (var snapshot in Snapshots.List())
        {
            if (keepSnapshots.Contains(snapshot)) continue;
            var size = DiskUsage(Snapshots.PathOf(snapshot));
            if (Snapshots.Delete(snapshot))
            {
                report.Snapshots++;
                report.Bytes += size;
            }
        }
        Snapshots.RemoveLeftovers();
        return report;
    }

    /// <summary>What the images, their unpacked layers and the containers take on disk.</summary>
    public async Task<DiskUsageReport> DiskUsageAsync(CancellationToken cancellationToken = default)
    {
        var images = await ListImagesAsync(cancellationToken).ConfigureAwait(false);
        var containers = Containers.List();
        var usedImages = containers.Select(c => c.ImageId).ToHashSet(StringComparer.Ordinal);
        long blobBytes = Images.Content.List().Sum(d => Images.Content.Exists(d) ? Images.Content.SizeOf(d) : 0);
        long snapshotBytes = Snapshots.List().Sum(s => DiskUsage(Snapshots.PathOf(s)));
        long containerBytes = 0, reclaimableContainers = 0;
        foreach (var c in containers)
        {
            var size = DiskUsage(Path.Combine(Containers.Dir(c.Id), "upper")) + LogBytes(c);
            containerBytes += size;
            if (!IsShimAlive(c)) reclaimableContainers += size;
        }
        var distinctImages = images.Select(i => i.Image.Id).Distinct(StringComparer.Ordinal).ToList();
        return new DiskUsageReport
        {
            Images = distinctImages.Count,
            ActiveImages = distinctImages.Count(usedImages.Contains),
            ImageBytes = blobBytes + snapshotBytes,
            BlobBytes = blobBytes,
            SnapshotBytes = snapshotBytes,
            Containers = containers.Count,
            RunningContainers = containers.Count(IsShimAlive),
            ContainerBytes = containerBytes,
            ReclaimableContainerBytes = reclaimableContainers,
        };
    }

    /// <summary>Removes every container that is not running; returns their ids.</summary>
    public IReadOnlyList<string> PruneContainers()
    {
        var removed = new List<string>();
        foreach (var c in Containers.List().Where(c => !IsShimAlive(c)))
        {
            RemoveFiles(c);
            removed.Add(c.Id);
        }
        return removed;
    }

    /// <summary>
    /// Removes an image name; when it was the last name of its image and no container uses that image, the image's
    /// blobs and snapshots go too (unless another image shares them).
    /// </summary>
    /// <exception cref="EngineException">No such image, or a container uses it and <paramref name="force"/> is not set.</exception>
    public async Task<GarbageReport> RemoveImageAsync(string text, bool force, CancellationToken cancellationToken = default)
    {
        using var held = LockStore();
        var image = await ResolveImageAsync(text, cancellationToken).ConfigureAwait(false);
        var names = Images.List().Where(n => image.Reference is not null ? n.Reference == image.Reference : false).Select(n => n.Reference).ToList();
        if (image.Reference is null || names.Count == 0)
        {
            // By id: every name of that image.
            var all = await ListImagesAsync(cancellationToken).ConfigureAwait(false);
            names = all.Where(i => i.Image.Id == image.Id).Select(i => i.Reference).ToList();
        }
        var others = (await ListImagesAsync(cancellationToken).ConfigureAwait(false)).Count(i => i.Image.Id == image.Id && !names.Contains(i.Reference));
        if (others == 0 && !force && Containers.List().FirstOrDefault(c => c.ImageId == image.Id) is { } user)
            throw new EngineException($"image {text} is used by container {user.Name} ({user.Id[..12]}); remove the container first, or use --force");
        foreach (var name in names)
        {
            Images.Untag(name);
            Events.Append(new EngineEvent { Type = "image", Action = "untag", Subject = name.ToString(), Image = image.Id });
        }
        var report = await CollectGarbageHeldAsync(cancellationToken).ConfigureAwait(false);
        if (others == 0) Events.Append(new EngineEvent { Type = "image", Action = "delete", Subject = image.Id, Image = image.Id });
        report.Untagged.AddRange(names.Select(n => n.Familiar));
        return report;
    }

    private async Task MarkAsync(Digest digest, HashSet<Digest> blobs, HashSet<Digest> snapshots, CancellationToken cancellationToken)
    {
        if (!blobs.Add(digest) || !Images.Content.Exists(digest)) return;
        object document;
        try { document = ManifestReader.Read(await Images.Content.ReadAllAsync(digest, ManifestReader.MaxSize, cancellationToken).ConfigureAwait(false)); }
        catch (ImageException)
        {
            return; // damaged: keep the blob itself, there is nothing to follow
        }
        switch (document)
        {
            case ImageIndex index:
                foreach (var m in index.Manifests) await MarkAsync(m.Digest, blobs, snapshots, cancellationToken).ConfigureAwait(false);
                break;
            case ImageManifest manifest:
                blobs.Add(manifest.Config.Digest);
                foreach (var l in manifest.Layers) blobs.Add(l.Digest);
                try
                {
                    var config = ImageConfigReader.Read(await Images.Content.ReadAllAsync(manifest.Config.Digest, ImageConfigReader.MaxSize, cancellationToken).ConfigureAwait(false));
                    foreach (var s in SnapshotStore.ChainIds(config.DiffIds)) snapshots.Add(s);
                }
                catch (ImageException)
                {
                }
                break;
        }
    }

    private long LogBytes(ContainerRecord c) => ContainerLogWriter.Files(LogPath(c)).Sum(f => new FileInfo(f).Length);

    /// <summary>
    /// The bytes the files under <paramref name="path"/> take on disk (hard links counted once). The tree is walked
    /// through directory descriptors with O_NOFOLLOW, so a running container that swaps a directory of its layer for
    /// a symlink cannot lead the walk onto the host; below 256 levels it stops counting.
    /// </summary>
    internal static long DiskUsage(string path)
    {
        var root = Fd.TryOpen(path, Fd.O_RDONLY | Fd.O_DIRECTORY | Fd.O_NOFOLLOW, out _);
        if (root < 0) return 0;
        var seen = new HashSet<ulong>();
        try { return Walk(root, 0, seen); }
        finally { Fd.Close(root); }
    }

    private static long Walk(int dir, int depth, HashSet<ulong> seen)
    {
        long total = 0;
        List<string> names;
        try { names = Directory.EnumerateFileSystemEntries($"/proc/self/fd/{dir}").Select(n => Path.GetFileName(n)).ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
        foreach (var name in names)
        {
            FileStat stat;
            try
            {
                if (FilesAt.TryStat(dir, name) is not { } st) continue;
                stat = st;
            }
            catch (LinuxException) { continue; }
            if (!stat.IsDirectory && stat.Links > 1 && !seen.Add(stat.Inode)) continue;
            total += (long)stat.Blocks * 512;
            if (!stat.IsDirectory || depth >= 256) continue;
            var child = FilesAt.TryOpen(dir, name, Fd.O_RDONLY | Fd.O_DIRECTORY | Fd.O_NOFOLLOW, out _);
            if (child < 0) continue;
            try { total += Walk(child, depth + 1, seen); }
            finally { Fd.Close(child); }
        }
        return total;
    }
}
