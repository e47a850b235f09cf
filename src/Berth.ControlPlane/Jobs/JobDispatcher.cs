using System.Linq.Expressions;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Berth.ControlPlane.Jobs;

/// <summary>
/// Sends container jobs to the node that runs the container. A job for this node runs in-process at once
/// (<see cref="ControlPlaneOptions.LocalFastPath"/>): the change is already committed, so a crash loses nothing, and
/// the reconciliation job re-drives what did not finish. Jobs for other nodes, or all jobs when the fast path is
/// off, go through the node's Hangfire queue.
/// </summary>
public sealed class JobDispatcher(IBackgroundJobClient jobs, IServiceScopeFactory scopes, NodeEngine node, IOptions<ControlPlaneOptions> options, ILogger<JobDispatcher> logger)
{
    /// <summary>Runs or enqueues <paramref name="job"/> for <paramref name="nodeId"/>; returns the in-process run (completed when enqueued).</summary>
    public Task DispatchAsync(string nodeId, Expression<Func<ContainerJobs, Task>> job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (options.Value.LocalFastPath && nodeId == node.NodeId)
        {
            var call = job.Compile();
            return Task.Run(async () =>
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await call(scope.ServiceProvider.GetRequiredService<ContainerJobs>()).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // Recorded on the container by the job; reconciliation re-drives it.
                    logger.LogWarning(e, "container job failed on the fast path: {Job}", job);
                }
            });
        }
        jobs.Create(Job.FromExpression(job), new EnqueuedState(NodeQueue.For(nodeId)));
        return Task.CompletedTask;
    }
}
