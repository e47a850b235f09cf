using System.Linq.Expressions;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Container = Berth.Data.Entities.Container;

namespace Berth.ControlPlane.Jobs;

/// <summary>
/// Sends container jobs to the node that runs the container. A job for this node runs in-process at once
/// (<see cref="ControlPlaneOptions.LocalFastPath"/>): the change is already committed, so a crash loses nothing, and
/// the reconciliation job re-drives what did not finish. Jobs for other nodes, or all jobs when the fast path is
/// off, go through the node's Hangfire queue.
/// </summary>
public sealed class JobDispatcher(IBackgroundJobClient jobs, IServiceScopeFactory scopes, NodeEngine node, IOptions<ControlPlaneOptions> options, ILogger<JobDispatcher> logger) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(Math.Max(4, 4 * Environment.ProcessorCount));

    /// <summary>
    /// Runs or enqueues <paramref name="job"/> for <paramref name="nodeId"/>; returns the in-process run, whose result is
    /// the container as the job saved it (<see cref="ContainerJobs.Saved"/>), or null (at once when enqueued).
    /// </summary>
    /// <param name="nodeId">The container's node.</param>
    /// <param name="job">The job, on the container's id.</param>
    /// <param name="known">The container's row as the caller has just committed it, untracked (see <see cref="ContainerJobs.Known"/>).</param>
    public Task<Container?> DispatchAsync(string nodeId, Expression<Func<ContainerJobs, Task>> job, Container? known = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (options.Value.LocalFastPath && nodeId == node.NodeId)
        {
            // Interpreted: compiling to IL would cost more CPU than the one call it serves.
            var call = job.Compile(preferInterpretation: true);
            return Task.Run(async () =>
            {
                // A burst beyond what the node can start queues here, holding no database connection, instead of
                // exhausting PostgreSQL's connections with jobs that all stall.
                await _slots.WaitAsync().ConfigureAwait(false);
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var jobs = scope.ServiceProvider.GetRequiredService<ContainerJobs>();
                    jobs.Known = known;
                    await call(jobs).ConfigureAwait(false);
                    return jobs.Saved;
                }
                catch (Exception e)
                {
                    // Recorded on the container by the job; reconciliation re-drives it.
                    logger.LogWarning(e, "container job failed on the fast path: {Job}", job);
                    return null;
                }
                finally
                {
                    _slots.Release();
                }
            });
        }
        jobs.Create(Job.FromExpression(job), new EnqueuedState(NodeQueue.For(nodeId)));
        return Task.FromResult<Container?>(null);
    }

    public void Dispose() => _slots.Dispose();
}
