using Xunit;

namespace Berth.Testing;

/// <summary>
/// A <see cref="FactAttribute"/> that is skipped ("requires root") unless the
/// test process runs with effective user id 0.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequiresRootFactAttribute : FactAttribute
{
    /// <summary>Marks the test as skipped when not running as root.</summary>
    public RequiresRootFactAttribute()
    {
        if (!Privileges.IsRoot)
        {
            Skip = Privileges.SkipReason;
        }
    }
}
