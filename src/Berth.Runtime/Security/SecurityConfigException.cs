namespace Berth.Runtime.Security;

/// <summary>
/// A security section of the OCI config (capabilities, seccomp, rlimits) that cannot be applied:
/// the message names the field and the value, such as
/// <c>linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"</c>.
/// </summary>
public sealed class SecurityConfigException : Exception
{
    /// <summary>Creates the exception with a message that names the field and the value.</summary>
    public SecurityConfigException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping the kernel or library failure behind it.</summary>
    public SecurityConfigException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with a generic message.</summary>
    public SecurityConfigException() : base("invalid security configuration") { }
}
