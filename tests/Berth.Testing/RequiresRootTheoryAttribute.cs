using Xunit;

namespace Berth.Testing;

/// <summary>
/// A <see cref="TheoryAttribute"/> that is skipped ("requires root") unless
/// the test process runs with effective user id 0.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequiresRootTheoryAttribute : TheoryAttribute
{
    /// <summary>Marks the theory as skipped when not running as root.</summary>
    public RequiresRootTheoryAttribute()
    {
        if (!Privileges.IsRoot)
        {
            Skip = Privileges.SkipReason;
        }
    }
}
