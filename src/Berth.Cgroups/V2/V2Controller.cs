namespace Berth.Cgroups.V2;

/// <summary>One controller of the unified hierarchy: checks a request, writes limits, reads counters.</summary>
internal abstract class V2Controller
{
    /// <summary>The controller's name in cgroup.controllers and cgroup.subtree_control.</summary>
    internal abstract string Name { get; }

    /// <summary>Whether <paramref name="resources"/> asks anything of this controller.</summary>
    internal abstract bool IsNeeded(CgroupResources resources);

    /// <summary>Refuses, before anything is created, what v2 cannot express.</summary>
    internal virtual void Validate(CgroupResources resources)
    {
    }

    /// <summary>Writes the non-null limits of <paramref name="resources"/> into <paramref name="dir"/>.</summary>
    internal abstract void Apply(string dir, CgroupResources resources);

    /// <summary>Adds this controller's counters in <paramref name="dir"/> to <paramref name="stats"/>.</summary>
    internal virtual void ReadStats(string dir, CgroupStats stats)
    {
    }
}
