using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Runtime;
using Berth.Runtime.Security;
using Berth.Runtime.Spec;

namespace Berth.Engine;

/// <summary>
/// The seccomp choices of a container (<see cref="RunOptions.SeccompProfile"/>, <see cref="ContainerRecord.Seccomp"/>):
/// the engine's default profile, none at all, or a profile of the user's in the runtime spec's <c>linux.seccomp</c>
/// form or Docker's (resolved for the container by <see cref="DockerSeccompProfile"/>), checked here by the runtime's
/// own reader and validator before anything is made.
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
    /// Reads and validates <paramref name="json"/>, a profile in Docker's format, for a container with the engine's
    /// capabilities (<see cref="DefaultSecurity.Capabilities"/>) on this host: see <see cref="Parse(string, IReadOnlyCollection{string}, string)"/>.
    /// </summary>
    /// <exception cref="EngineException">Names the field and the value at fault.</exception>
    public static SeccompSpec Parse(string json) => Parse(json, DefaultSecurity.Capabilities, DockerSeccompProfile.KernelRelease);

    /// <summary>
    /// Reads and validates <paramref name="json"/>, a profile: <c>defaultAction</c>, <c>defaultErrnoRet</c>,
    /// <c>architectures</c> or Docker's <c>archMap</c>, <c>flags</c>, <c>syscalls</c> (<c>names</c> or Docker's
    /// <c>name</c>, <c>action</c>, <c>errnoRet</c>, <c>args</c>, Docker's <c>includes</c> and <c>excludes</c>) and
    /// <c>comment</c>s, which are dropped. Docker's fields are resolved for a container granted
    /// <paramref name="capabilities"/> on this host's architecture, running kernel <paramref name="kernelRelease"/>
    /// (see <see cref="DockerSeccompProfile"/>), and the rules that do not apply are left out. Every rule is checked,
    /// applying or not, and any other field is refused; so is a system call name libseccomp does not know.
    /// </summary>
    /// <exception cref="EngineException">Names the field and the value at fault.</exception>
    public static SeccompSpec Parse(string json, IReadOnlyCollection<string> capabilities, string kernelRelease)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(capabilities);
        const string what = "seccomp profile";
        try
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            // Docker's fields are resolved first; what is not a JSON object goes to the runtime's reader as it is, which
            // says what is wrong with it (with line and position).
            var docker = ParseObject(bytes) is { } profile
                ? DockerSeccompProfile.Resolve(profile, capabilities, DockerSeccompProfile.NativeArchitecture, kernelRelease)
                : null;
            var spec = SpecReader.ReadSeccompProfile(docker is null ? bytes : Encoding.UTF8.GetBytes(docker.Oci.ToJsonString()), what);
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
            if (docker is not null && spec.Syscalls is { } all)
                spec.Syscalls = [.. all.Where((_, i) => docker.Applies[i])];
            return spec;
        }
        catch (Exception e) when (e is RuntimeException or SecurityConfigException)
        {
            // The validator names fields as they sit in a config (linux.seccomp.…); here the profile is the whole document.
            var message = e.Message.Replace("linux.seccomp.", "", StringComparison.Ordinal).Replace("linux.seccomp", "", StringComparison.Ordinal);
            throw new EngineException(message.StartsWith(what, StringComparison.Ordinal) ? message : $"{what}: {message}", e);
        }
    }

    private static JsonObject? ParseObject(byte[] json)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json)) return null;
        try
        {
            // A name given twice is refused while parsing, not later when the object is walked.
            return JsonNode.Parse(json, documentOptions: new JsonDocumentOptions
            {
                AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64, AllowDuplicateProperties = false,
            }) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
