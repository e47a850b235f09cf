using Berth.ControlPlane.Audit;
using Berth.ControlPlane.Images;
using Berth.ControlPlane.Security;
using Berth.Data;
using Berth.Data.Entities;
using Berth.Engine;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Berth.ControlPlane.Jobs;

/// <summary>
/// The work on one node's image store, run as Hangfire jobs on the node's queue: pulls (their progress kept in
/// <see cref="ImagePulls"/>, their outcome in the events table and, for failures, the audit trail) and garbage
/// collection.
/// </summary>
public sealed class ImageJobs(IDbContextFactory<BerthDbContext> dbFactory, NodeEngine node, ImagePulls pulls, ImageCatalog catalog, AuditLog audit,
    CallerFactory callers, ILogger<ImageJobs> logger)
{
    /// <summary>
    /// Pulls <paramref name="reference"/> into the node's store, reporting into pull <paramref name="pullId"/>. A
    /// failed pull is recorded, not retried: the user asks again.
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    public async Task PullAsync(Guid pullId, string reference, Guid? actorId, CancellationToken cancellationToken)
    {
        var pull = pulls.Resume(pullId, reference, actorId);
        pull.Running();
        try
        {
            var result = await node.Engine.PullAsync(reference, pull, cancellationToken: cancellationToken).ConfigureAwait(false);
            var imageId = result.Image.Config.Digest.ToString();
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await catalog.RecordAsync(db, cancellationToken).ConfigureAwait(false);
            db.Events.Add(new ContainerEvent { Action = "image-pull", Detail = $"{reference} ({imageId}) on {node.NodeId}", ActorId = actorId });
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            pull.Done(imageId);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var error = e is EngineException ? e.Message : $"pull {reference}: {e.Message}";
            if (e is not EngineException) logger.LogWarning(e, "pull {Reference} failed", reference);
            pull.Failed(error);
            await RecordFailureAsync(reference, actorId, error, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Removes the blobs and unpacked layers no image name and no container needs; returns what went.</summary>
    public Task<GarbageReport> PruneAsync(CancellationToken cancellationToken) => node.Engine.CollectGarbageAsync(cancellationToken);

    private async Task RecordFailureAsync(string reference, Guid? actorId, string error, CancellationToken cancellationToken)
    {
        var caller = actorId is { } id ? await callers.ForUserAsync(id, null, cancellationToken).ConfigureAwait(false) : null;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        db.Events.Add(new ContainerEvent { Action = "image-pull-failed", Detail = $"{reference} on {node.NodeId}: {error}", ActorId = actorId });
        await audit.CommitAsync(db, new AuditRecord(caller ?? Caller.System, "image.pull", "image", reference, null, AuditRecord.Failed, error), cancellationToken).ConfigureAwait(false);
    }
}
