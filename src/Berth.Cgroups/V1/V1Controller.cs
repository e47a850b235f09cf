namespace Berth.Cgroups.V1;

/// <summary>One v1 controller: checks a request against the files the kernel offers, writes limits, reads counters.</summary>
internal abstract class V1Controller
{
    /// <summary>The controller's name as mountinfo and /proc/self/cgroup spell it.</summary>
    internal abstract string Name { get; }

    /// <summary>Refuses what this hierarchy cannot honour, looking at <paramref name="baseDir"/> (an existing cgroup) before anything is created.</summary>
    internal virtual void Validate(CgroupResources resources, string baseDir)
    {
    }

    /// <summary>Readies freshly made directories (outermost first) before any process joins.</summary>
    internal virtual void Prepare(IEnumerable<string> directories)
    {
    }

    /// <summary>Sets up a freshly made <paramref name="dir"/> for <paramref name="resources"/> before the first <see cref="Apply"/>.</summary>
    internal virtual void Initialize(string dir, CgroupResources resources)
    {
    }

    /// <summary>Writes the non-null limits of <paramref name="resources"/> into <paramref name="dir"/>.</summary>
    internal virtual void Apply(string dir, CgroupResources resources)
    {
    }

    /// <summary>Adds this controller's counters in <paramref name="dir"/> to <paramref name="stats"/>.</summary>
    internal virtual void ReadStats(string dir, CgroupStats stats)
    {
    }

    /// <summary>Throws when <paramref name="file"/> is missing from <paramref name="dir"/>.</summary>
    protected static void Require(string dir, string file, string what)
    {
        if (!CgroupFiles.Exists(dir, file))
        {
            throw new CgroupException($"{what} is not supported by this kernel (no {file} file in {dir})");
        }
    }
}
