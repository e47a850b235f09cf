namespace Berth.Cgroups.V1;

/// <summary>
/// The v1 devices controller: rules go to devices.allow or devices.deny in the order given, in a cgroup that starts
/// from "deny all" (as the v2 program and runc do) rather than the "a *:* rwm" a new v1 cgroup inherits. The kernel
/// keeps an exception list: a deny after a wildcard allow removes only the allow rule it names exactly
/// (Documentation/admin-guide/cgroup-v1/devices.rst), where the v2 program lets it win.
/// </summary>
internal sealed class DevicesController : V1Controller
{
    internal override string Name => "devices";

    internal override void Validate(CgroupResources r, string baseDir)
    {
        if (r.Devices is { Count: > 0 })
        {
            Require(baseDir, "devices.allow", "device rules");
        }
    }

    /// <summary>
    /// "a" to devices.deny first when there are rules: a request no rule matches is refused. Only on create: on an
    /// update it would refuse every device for a moment to the running container.
    /// </summary>
    internal override void Initialize(string dir, CgroupResources r)
    {
        if (r.Devices is { Count: > 0 })
        {
            CgroupFiles.Write(dir, "devices.deny", "a");
        }
    }

    internal override void Apply(string dir, CgroupResources r)
    {
        if (r.Devices is null)
        {
            return;
        }

        foreach (var rule in r.Devices)
        {
            CgroupFiles.Write(dir, rule.Allow ? "devices.allow" : "devices.deny", Format(rule));
        }
    }

    /// <summary>The kernel's rule syntax (Documentation/admin-guide/cgroup-v1/devices.rst): <c>c 1:3 rwm</c>, <c>a</c> for everything.</summary>
    internal static string Format(DeviceRule rule)
    {
        if (rule.Type == 'a' && rule.Major is null && rule.Minor is null && rule.Access.Length == 3)
        {
            return "a";
        }

        var major = rule.Major?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "*";
        var minor = rule.Minor?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "*";
        return $"{rule.Type} {major}:{minor} {rule.Access}";
    }
}
