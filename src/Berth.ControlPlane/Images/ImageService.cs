using Berth.ControlPlane.Audit;
using Berth.ControlPlane.Jobs;
using Berth.ControlPlane.Security;
using Berth.Data;
using Berth.Engine;
using Berth.Images;
using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Berth.ControlPlane.Images;

/// <summary>
/// The local node's images: every signed-in user lists them; those who operate a team (and admins) pull and
/// upload; only admins remove and prune. Listings and changes are recorded in <c>node_images</c>.
/// </summary>
public sealed class ImageService(
    IDbContextFactory<BerthDbContext> dbFactory, AuditLog audit, Guard guard, NodeEngine node, ImageCatalog catalog, ImagePulls pulls, ImageJobs imageJobs,
    IBackgroundJobClient jobs, IOptions<ControlPlaneOptions> options)
{
    /// <summary>The largest image archive <see cref="UploadAsync"/> takes.</summary>
    public const long MaxUploadBytes = 2L << 30;

    /// <summary>The node's images, by name (and their record in <c>node_images</c> brought up to date).</summary>
    public Task<IReadOnlyList<ImageView>> ListAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return catalog.RefreshAsync(cancellationToken);
    }

    /// <summary>One image of the node (by name or id) with its config and layers; every signed-in user may look.</summary>
    /// <exception cref="ControlPlaneException">No such image, or an id prefix that matches several (not found).</exception>
    public async Task<ImageDetails> InspectAsync(Caller caller, string reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (string.IsNullOrWhiteSpace(reference)) throw ControlPlaneException.Invalid("reference is required");
        try { return await catalog.InspectAsync(reference, cancellationToken).ConfigureAwait(false); }
        catch (EngineException e) { throw new ControlPlaneException(ProblemKind.NotFound, e.Message, e); }
    }

    /// <summary>
    /// Queues a pull of <paramref name="reference"/> as a job on the node's Hangfire queue and returns it (queued);
    /// its progress is read with <see cref="GetPull"/>.
    /// </summary>
    /// <exception cref="ControlPlaneException">Not a valid reference (invalid), or the caller operates no team (forbidden).</exception>
    public async Task<PullView> PullAsync(Caller caller, string? reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var parsed = Parse(reference);
        await DemandLoadAsync(caller, "image.pull", parsed, cancellationToken).ConfigureAwait(false);
        var pull = pulls.Add(parsed, caller.UserId);
        await audit.WriteAsync(new AuditRecord(caller, "image.pull", "image", parsed, null, AuditRecord.Allowed, $"pull {pull.Id} on {node.NodeId}"), cancellationToken).ConfigureAwait(false);
        jobs.Create(Hangfire.Common.Job.FromExpression<ImageJobs>(j => j.PullAsync(pull.Id, parsed, caller.UserId, CancellationToken.None)), new EnqueuedState(NodeQueue.For(node.NodeId)));
        return pull.View(node.NodeId);
    }

    /// <summary>A pull of this node, for the user who asked for it, admins and auditors.</summary>
    /// <exception cref="ControlPlaneException">Unknown, forgotten (see <see cref="ImagePulls.Keep"/>), or someone else's (not found).</exception>
    public PullView GetPull(Caller caller, Guid id)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var pull = pulls.Find(id);
        if (pull is null || pull.RequestedBy != caller.UserId && !caller.ReadsEverything) throw ControlPlaneException.NotFound($"pull {id}");
        return pull.View(node.NodeId);
    }

    /// <summary>
    /// Loads a <c>docker save</c> or OCI archive from <paramref name="body"/> (spooled to a file under the host's
    /// data directory first) and, when <paramref name="tag"/> is given, names its image so too. Returns the names
    /// the node then has for the loaded images.
    /// </summary>
    /// <exception cref="ControlPlaneException">A bad tag or archive (invalid; nothing is named then), or the caller operates no team (forbidden).</exception>
    public async Task<IReadOnlyList<ImageView>> UploadAsync(Caller caller, Stream body, string? tag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(body);
        var target = tag is null ? null : Parse(tag);
        await DemandLoadAsync(caller, "image.upload", target ?? "archive", cancellationToken).ConfigureAwait(false);
        var dir = Path.Combine(options.Value.DataDirectory, "uploads");
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, Guid.NewGuid().ToString("N") + ".tar");
        try
        {
            await using (var spool = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 17, FileOptions.Asynchronous))
            {
                await body.CopyToAsync(spool, cancellationToken).ConfigureAwait(false);
            }
            LoadResult loaded;
            try
            {
                loaded = await node.Engine.LoadAsync(file, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (target is not null)
                {
                    var source = loaded.Names.Count > 0 ? loaded.Names[0] : loaded.Unnamed.Count == 1 ? loaded.Unnamed[0]
                        : throw new EngineException($"the archive holds {loaded.Unnamed.Count} images and names none: give no tag, or upload one image");
                    await node.Engine.TagAsync(source, target, cancellationToken).ConfigureAwait(false);
                    loaded.Names.Add(ImageReference.Parse(target).Familiar);
                }
            }
            catch (EngineException e)
            {
                await audit.WriteAsync(new AuditRecord(caller, "image.upload", "image", target ?? "archive", null, AuditRecord.Failed, e.Message), cancellationToken).ConfigureAwait(false);
                throw ControlPlaneException.Invalid(e.Message);
            }
            var names = loaded.Names.Distinct().ToList();
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var images = await catalog.RecordAsync(db, cancellationToken).ConfigureAwait(false);
            await audit.CommitAsync(db, new AuditRecord(caller, "image.upload", "image", names.FirstOrDefault() ?? "archive", null, AuditRecord.Allowed,
                $"loaded {string.Join(", ", names.Concat(loaded.Unnamed))} on {node.NodeId}"), cancellationToken).ConfigureAwait(false);
            return images.Where(i => names.Contains(i.Reference) || loaded.Unnamed.Contains(i.Id)).ToList();
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// Removes an image name from the node (admins only); the image's data goes with its last name. Refused while
    /// a container of the control plane or of the node's engine uses it.
    /// </summary>
    /// <exception cref="ControlPlaneException">Not an admin (forbidden), no such image (not found), or in use (conflict).</exception>
    public async Task<GarbageReport> RemoveAsync(Caller caller, string reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(reference);
        await guard.DemandAsync(caller.IsAdmin, caller, "image.remove", "image", reference, null, hidden: false, cancellationToken).ConfigureAwait(false);
        ResolvedImage image;
        try { image = await node.Engine.ResolveImageAsync(reference, cancellationToken).ConfigureAwait(false); }
        catch (EngineException) { throw ControlPlaneException.NotFound($"image {reference}"); }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        // The control plane's containers name their image; one not yet made (or failed, to be started again) needs the name.
        var specs = await db.Containers.AsNoTracking().Where(c => c.NodeId == node.NodeId && c.RemovedAt == null).Select(c => new { c.Name, c.Spec })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var name = image.Reference?.Familiar;
        if (specs.FirstOrDefault(c => c.Spec.Image == reference || name is not null && SameName(c.Spec.Image, name)) is { } user)
            throw ControlPlaneException.Conflict($"image {reference} is used by container {user.Name}: remove the container first");
        GarbageReport report;
        try { report = await node.Engine.RemoveImageAsync(reference, force: false, cancellationToken).ConfigureAwait(false); }
        catch (EngineException e) { throw ControlPlaneException.Conflict(e.Message); }
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await catalog.RecordAsync(db, cancellationToken).ConfigureAwait(false);
        await audit.CommitAsync(db, new AuditRecord(caller, "image.remove", "image", reference, null, AuditRecord.Allowed,
            $"untagged {string.Join(", ", report.Untagged)}; {report.Blobs} blobs, {report.Snapshots} layers, {Size(report.Bytes)} freed on {node.NodeId}"), cancellationToken).ConfigureAwait(false);
        return report;
    }

    /// <summary>Removes what no image name and no container needs from the node's store (admins only).</summary>
    /// <exception cref="ControlPlaneException">Not an admin (forbidden).</exception>
    public async Task<GarbageReport> PruneAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await guard.DemandAsync(caller.IsAdmin, caller, "image.prune", "node", node.NodeId, null, hidden: false, cancellationToken).ConfigureAwait(false);
        var report = await imageJobs.PruneAsync(cancellationToken).ConfigureAwait(false);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await catalog.RecordAsync(db, cancellationToken).ConfigureAwait(false);
        await audit.CommitAsync(db, new AuditRecord(caller, "image.prune", "node", node.NodeId, null, AuditRecord.Allowed,
            $"{report.Blobs} blobs, {report.Snapshots} layers, {Size(report.Bytes)} freed"), cancellationToken).ConfigureAwait(false);
        return report;
    }

    /// <summary>Pulls and uploads: any user who operates at least one team, and admins.</summary>
    private Task DemandLoadAsync(Caller caller, string action, string target, CancellationToken cancellationToken)
        => guard.DemandAsync(caller.IsAdmin || caller.Teams.Keys.Any(caller.CanOperate), caller, action, "image", target, null, hidden: false, cancellationToken);

    private static string Parse(string? reference)
    {
        if (string.IsNullOrWhiteSpace(reference)) throw ControlPlaneException.Invalid("reference is required");
        return ImageReference.TryParse(reference, out var parsed, out var error) && parsed is not null
            ? reference
            : throw ControlPlaneException.Invalid($"\"{reference}\" is not a valid image reference: {error}");
    }

    private static bool SameName(string a, string b)
        => ImageReference.TryParse(a, out var x, out _) && ImageReference.TryParse(b, out var y, out _) && x is not null && y is not null && x.Familiar == y.Familiar;

    private static string Size(long bytes) => Containers.QuotaGuard.Bytes(bytes);
}
