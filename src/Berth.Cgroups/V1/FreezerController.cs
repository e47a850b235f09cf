namespace Berth.Cgroups.V1;

/// <summary>The v1 freezer controller: freezer.state FROZEN / THAWED.</summary>
internal sealed class FreezerController : V1Controller
{
    private const string State = "freezer.state";

    internal override string Name => "freezer";

    /// <summary>
    /// Writes the state and polls until it reads back: FREEZING lasts while tasks are still running, and a task
    /// in an uninterruptible sleep can stall it, so the write is repeated now and then; after ten seconds the
    /// cgroup is thawed again and the failure reported.
    /// </summary>
    internal static void SetFrozen(string dir, bool frozen)
    {
        var wanted = frozen ? "FROZEN" : "THAWED";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        for (var round = 0; ; round++)
        {
            if (round % 50 == 0)
            {
                CgroupFiles.Write(dir, State, wanted);
            }

            if (CgroupFiles.Read(dir, State).Trim() == wanted)
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                if (frozen)
                {
                    CgroupFiles.Write(dir, State, "THAWED");
                }

                throw new CgroupException($"{CgroupFiles.PathOf(dir, State)} did not reach {wanted} within 10 s");
            }

            Thread.Sleep(round < 10 ? 1 : 10);
        }
    }

    internal static bool IsFrozen(string dir) => CgroupFiles.TryRead(dir, State)?.Trim() == "FROZEN";

    /// <summary>Thaws when not thawed (a SIGKILL to a frozen task takes effect only once it runs again).</summary>
    internal static void ThawIfNeeded(string dir)
    {
        var state = CgroupFiles.TryRead(dir, State)?.Trim();
        if (state is not null && state != "THAWED")
        {
            CgroupFiles.Write(dir, State, "THAWED");
        }
    }
}
