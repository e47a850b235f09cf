using System.Text;
using Berth.Runtime;
using Berth.Runtime.Security;
using Berth.Runtime.Spec;

namespace Berth.Engine;

/// <summary>
/// The seccomp choices of a container (<see cref="RunOptions.SeccompProfile"/>, <see cref="ContainerRecord.Seccomp"/>):
/// the engine's default profile, none at all, or a profile of the user's in the runtime spec's <c>linux.seccomp</c>
/// form, checked here by the runtime's own reader and validator before anything is made.
/// </summary>
public static class SeccompProfiles
{
    /// <summary><see cref="DefaultSecurity.Seccomp"/>.</summary>
    public const string Default = "default";

    /// <summary>No filter (no <c>linux.seccomp</c> section), as Docker's <c>--security-opt seccomp=unconfined</c>.</summary>
    public const string Unconfined = "unconfined";

    /// <summary>The user's profile, kept in <see cref="ContainerRecord.SeccompProfile"/>.</summary>
    public const string Custom = "custom";

    /// <summary>
    /// Reads and validates <paramref name="json"/>, a profile: <c>defaultAction</c>, <c>defaultErrnoRet</c>,
    /// <c>architectures</c>, <c>flags</c>, <c>syscalls</c> (<c>names</c>, <c>action</c>, <c>errnoRet</c>,
    /// <c>args</c>) and <c>comment</c>. Docker's <c>archMap</c>, <c>includes</c> and <c>excludes</c>, and any
    /// other field, are refused; so is a system call name libseccomp does not know.
    /// </summary>
    /// <exception cref="EngineException">Names the field and the value at fault.</exception>
    public static SeccompSpec Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        const string what = "seccomp profile";
        try
        {
            var spec = SpecReader.ReadSeccompProfile(Encoding.UTF8.GetBytes(json), what);
            if (string.IsNullOrEmpty(spec.DefaultAction)) throw new EngineException($"{what}: defaultAction is required");
            Seccomp.Validate(spec);
            var rules = spec.Syscalls ?? [];
            for (var i = 0; i < rules.Count; i++)
            {
                foreach (var name in rules[i].Names)
                {
                    if (!Seccomp.IsKnownSyscall(name))
                        throw new EngineException($"{what}: syscalls[{i}].names: unknown system call \"{name}\"");
                }
            }
            return spec;
        }
        catch (Exception e) when (e is RuntimeException or SecurityConfigException)
        {
            // The validator names fields as they sit in a config (linux.seccomp.…); here the profile is the whole document.
            var message = e.Message.Replace("linux.seccomp.", "", StringComparison.Ordinal).Replace("linux.seccomp", "", StringComparison.Ordinal);
            throw new EngineException(message.StartsWith(what, StringComparison.Ordinal) ? message : $"{what}: {message}", e);
        }
    }
}
