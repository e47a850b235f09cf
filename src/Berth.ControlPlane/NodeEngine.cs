using Berth.ControlPlane.Containers;
using Berth.Data.Entities;
using Berth.Engine;
using Microsoft.Extensions.Options;
using Container = Berth.Data.Entities.Container;

namespace Berth.ControlPlane;

/// <summary>The local node: its id and its engine, called in-process (keeping a shim ready for the next launch).</summary>
public sealed class NodeEngine : IDisposable
{
    public NodeEngine(IOptions<ControlPlaneOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        NodeId = o.NodeName;
        var berth = o.Engine.BerthPath;
        if (string.IsNullOrEmpty(berth) || !File.Exists(berth))
            throw new InvalidOperationException($"Berth:Engine:BerthPath must name the berth binary (given: \"{berth}\"); ./run.sh builds it as artifacts/bin/berth");
        Engine = new ContainerEngine(new EngineOptions
        {
            DataRoot = o.Engine.DataRoot,
            RuntimeRoot = o.Engine.RuntimeRoot,
            BerthPath = Path.GetFullPath(berth),
            CgroupParent = o.Engine.CgroupParent,
            KeepShimReady = true,
        });
    }

    public string NodeId { get; }

    public ContainerEngine Engine { get; }

    /// <summary>
    /// The address (without its prefix length) of container <paramref name="c"/> on its bridge network while it runs
    /// on this node, as its shim recorded it; null otherwise.
    /// </summary>
    public string? IpAddressOf(Container c)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (c.NodeId != NodeId || c.EngineId is not { } engineId || c.Spec.Network != SpecValidator.NetworkTeam
            || c.State is not (ContainerState.Running or ContainerState.Restarting)) return null;
        return Engine.Containers.TryFind(engineId)?.State.IpAddress?.Split('/')[0];
    }

    /// <summary>Lets the shim kept ready go (running containers are not affected).</summary>
    public void Dispose() => Engine.ReleaseReadyShim();
}
