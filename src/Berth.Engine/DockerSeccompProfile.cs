using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Runtime.Security;

namespace Berth.Engine;

/// <summary>
/// Resolves the parts of a Docker seccomp profile that the runtime spec's <c>linux.seccomp</c> lacks, for one
/// container on this host: <c>archMap</c> (the entry of the native architecture gives <c>architectures</c>: it and
/// its sub-architectures) and each rule's <c>includes</c>/<c>excludes</c> on <c>caps</c> (the capabilities the
/// container is granted), <c>arches</c> (the native architecture, in Docker's names: <c>amd64</c>, <c>arm64</c>…)
/// and <c>minKernel</c> (the running kernel's version). Semantics as Docker's: a rule applies when every capability
/// of <c>includes.caps</c> is granted, the native architecture is in <c>includes.arches</c> and the kernel is at
/// least <c>includes.minKernel</c>; and none of <c>excludes.caps</c> is granted, the native architecture is not in
/// <c>excludes.arches</c> and the kernel is older than <c>excludes.minKernel</c>. Docker's single <c>name</c> of a
/// rule becomes <c>names</c>.
/// </summary>
public sealed class DockerSeccompProfile
{
    private static readonly string[] ConditionKeys = ["caps", "arches", "minKernel"];
    private static readonly string[] ArchMapKeys = ["architecture", "subArchitectures", "comment"];

    /// <summary>Architecture names of Docker's <c>includes</c>/<c>excludes</c> (libseccomp's, with Go's for the 64-bit x86 and ARM).</summary>
    private static readonly HashSet<string> DockerArches = new(StringComparer.Ordinal)
    {
        "x86", "amd64", "x32", "arm", "arm64", "mips", "mipsle", "mipsel", "mips64", "mips64n32", "mipsel64", "mipsel64n32",
        "mips3l64n32", "ppc", "ppc64", "ppc64le", "s390", "s390x", "parisc", "parisc64", "riscv64", "loong64",
    };

    private static readonly Lazy<HashSet<string>> KnownCapabilities = new(
        () => Enumerable.Range(0, Capabilities.KnownLast + 1).Select(Capabilities.Name).ToHashSet(StringComparer.Ordinal));

    private DockerSeccompProfile(JsonObject oci, bool[] applies)
    {
        Oci = oci;
        Applies = applies;
    }

    /// <summary>
    /// The profile in <c>linux.seccomp</c> form with every rule kept (so that a later check's <c>syscalls[N]</c> is
    /// the user's rule N): <c>archMap</c> resolved into <c>architectures</c>, <c>includes</c> and <c>excludes</c>
    /// removed.
    /// </summary>
    public JsonObject Oci { get; }

    /// <summary>For each rule of <see cref="Oci"/>, whether it applies to this container.</summary>
    public IReadOnlyList<bool> Applies { get; }

    /// <summary>The native architecture: libseccomp's name (<c>SCMP_ARCH_X86_64</c>) and Docker's (<c>amd64</c>).</summary>
    public static (string Seccomp, string Docker) NativeArchitecture => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => ("SCMP_ARCH_X86_64", "amd64"),
        Architecture.X86 => ("SCMP_ARCH_X86", "x86"),
        Architecture.Arm64 => ("SCMP_ARCH_AARCH64", "arm64"),
        Architecture.Arm or Architecture.Armv6 => ("SCMP_ARCH_ARM", "arm"),
        Architecture.S390x => ("SCMP_ARCH_S390X", "s390x"),
        Architecture.Ppc64le => ("SCMP_ARCH_PPC64LE", "ppc64le"),
        Architecture.RiscV64 => ("SCMP_ARCH_RISCV64", "riscv64"),
        Architecture.LoongArch64 => ("SCMP_ARCH_LOONGARCH64", "loong64"),
        var other => throw new EngineException($"seccomp profile: no seccomp architecture is known for {other}"),
    };

    /// <summary>The running kernel's release (<c>/proc/sys/kernel/osrelease</c>, as <c>uname -r</c>).</summary>
    public static string KernelRelease => File.ReadAllText("/proc/sys/kernel/osrelease").Trim();

    /// <summary>
    /// Resolves <paramref name="profile"/> for a container granted <paramref name="capabilities"/> on a host of
    /// architecture <paramref name="native"/> running kernel <paramref name="kernelRelease"/>. Fields this class does
    /// not handle are passed on as they are, for the runtime's reader to check.
    /// </summary>
    /// <exception cref="EngineException">A Docker field of the wrong shape, an unknown key, capability or architecture,
    /// or a version that does not parse, named by its path (<c>seccomp profile: syscalls[2].includes.minKernel: …</c>).</exception>
    public static DockerSeccompProfile Resolve(JsonObject profile, IReadOnlyCollection<string> capabilities, (string Seccomp, string Docker) native, string kernelRelease)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(capabilities);
        ArgumentNullException.ThrowIfNull(kernelRelease);
        var kernel = ParseVersion(kernelRelease) ?? throw new EngineException($"seccomp profile: the kernel release \"{kernelRelease}\" has no version");
        var oci = new JsonObject();
        foreach (var (key, value) in profile)
        {
            if (key is "archMap" or "syscalls") continue;
            oci[key] = value?.DeepClone();
        }
        if (profile["archMap"] is { } archMap)
        {
            var architectures = ResolveArchMap(archMap, native.Seccomp);
            if (profile["architectures"] is JsonArray { Count: > 0 })
                throw Error("archMap: a profile gives either \"architectures\" or \"archMap\", not both");
            if (architectures.Count > 0) oci["architectures"] = new JsonArray([.. architectures.Select(a => (JsonNode)a)]);
        }

        var applies = new List<bool>();
        if (profile["syscalls"] is JsonArray rules)
        {
            var converted = new JsonArray();
            for (var i = 0; i < rules.Count; i++)
            {
                var path = $"syscalls[{i}]";
                if (rules[i] is not JsonObject rule)
                {
                    // Not ours to judge: the runtime's reader names the wrong type.
                    converted.Add(rules[i]?.DeepClone());
                    applies.Add(true);
                    continue;
                }
                var include = rule["includes"] is { } inc ? Condition(inc, $"{path}.includes", capabilities, native.Docker, kernel, include: true) : true;
                var exclude = rule["excludes"] is { } exc ? Condition(exc, $"{path}.excludes", capabilities, native.Docker, kernel, include: false) : false;
                applies.Add(include && !exclude);
                converted.Add((JsonNode)ConvertRule(rule, path));
            }
            oci["syscalls"] = converted;
        }
        else if (profile["syscalls"] is { } other)
        {
            oci["syscalls"] = other.DeepClone();
        }
        return new DockerSeccompProfile(oci, [.. applies]);
    }

    private static JsonObject ConvertRule(JsonObject rule, string path)
    {
        var converted = new JsonObject();
        foreach (var (key, value) in rule)
        {
            if (key is "includes" or "excludes") continue;
            if (key == "name")
            {
                if (rule.ContainsKey("names")) throw Error($"{path}: a rule gives either \"name\" or \"names\", not both");
                if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String) throw Error($"{path}.name: must be a string");
                converted["names"] = new JsonArray(v.DeepClone());
                continue;
            }
            converted[key] = value?.DeepClone();
        }
        return converted;
    }

    private static List<string> ResolveArchMap(JsonNode archMap, string native)
    {
        if (archMap is not JsonArray entries) throw Error($"archMap: must be an array of {{\"architecture\", \"subArchitectures\"}} objects, not {Kind(archMap)}");
        var architectures = new List<string>();
        for (var i = 0; i < entries.Count; i++)
        {
            var path = $"archMap[{i}]";
            if (entries[i] is not JsonObject entry) throw Error($"{path}: must be an object, not {Kind(entries[i])}");
            foreach (var (key, _) in entry)
                if (!ArchMapKeys.Contains(key, StringComparer.Ordinal))
                    throw Error($"{path}.{key}: unknown key (an archMap entry takes \"architecture\" and \"subArchitectures\")");
            var arch = Text(entry["architecture"], $"{path}.architecture");
            var subs = entry["subArchitectures"] is { } s ? Strings(s, $"{path}.subArchitectures") : [];
            // Docker takes the first entry of the native architecture and ignores the others.
            if (arch == native && architectures.Count == 0) architectures = [arch, .. subs];
        }
        return architectures;
    }

    /// <summary>Whether an <c>includes</c> (all of it holds) or <c>excludes</c> (any of it holds) condition is met.</summary>
    private static bool Condition(JsonNode node, string path, IReadOnlyCollection<string> capabilities, string arch, Version kernel, bool include)
    {
        if (node is not JsonObject condition) throw Error($"{path}: must be an object with \"caps\", \"arches\" or \"minKernel\", not {Kind(node)}");
        var results = new List<bool>();
        foreach (var (key, value) in condition)
        {
            var field = $"{path}.{key}";
            switch (key)
            {
                case "caps":
                    var caps = Strings(value, field);
                    foreach (var c in caps)
                        if (!KnownCapabilities.Value.Contains(c)) throw Error($"{field}: unknown capability \"{c}\"");
                    if (caps.Count > 0)
                        results.Add(include ? caps.All(capabilities.Contains) : caps.Any(capabilities.Contains));
                    break;
                case "arches":
                    var arches = Strings(value, field);
                    foreach (var a in arches)
                        if (!DockerArches.Contains(a)) throw Error($"{field}: unknown architecture \"{a}\" (Docker's names: {string.Join(", ", DockerArches.Order(StringComparer.Ordinal))})");
                    if (arches.Count > 0) results.Add(arches.Contains(arch, StringComparer.Ordinal));
                    break;
                case "minKernel":
                    var text = Text(value, field);
                    if (text.Length == 0) break;
                    var min = ParseVersion(text) is { } v && text.All(ch => char.IsAsciiDigit(ch) || ch == '.')
                        ? v : throw Error($"{field}: \"{text}\" is not a kernel version such as \"4.8\" or \"5.10.1\"");
                    results.Add(kernel >= min);
                    break;
                case "comment":
                    break;
                default:
                    throw Error($"{field}: unknown key (Docker's {(include ? "includes" : "excludes")} take {string.Join(", ", ConditionKeys)})");
            }
        }
        return include ? results.All(r => r) : results.Any(r => r);
    }

    /// <summary>MAJOR.MINOR[.PATCH] at the start of a release such as <c>6.1.0-28-amd64</c>; null when there is none.</summary>
    public static Version? ParseVersion(string release)
    {
        ArgumentNullException.ThrowIfNull(release);
        var parts = new List<int>();
        var i = 0;
        while (parts.Count < 3)
        {
            var start = i;
            while (i < release.Length && char.IsAsciiDigit(release[i])) i++;
            if (i == start || i - start > 9) break;
            parts.Add(int.Parse(release.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture));
            if (i >= release.Length || release[i] != '.') break;
            i++;
        }
        return parts.Count switch
        {
            >= 3 => new Version(parts[0], parts[1], parts[2]),
            2 => new Version(parts[0], parts[1], 0),
            _ => null,
        };
    }

    private static string Text(JsonNode? node, string path)
        => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw Error($"{path}: must be a string, not {Kind(node)}");

    private static List<string> Strings(JsonNode? node, string path)
    {
        if (node is not JsonArray array) throw Error($"{path}: must be an array of strings, not {Kind(node)}");
        var list = new List<string>();
        for (var i = 0; i < array.Count; i++) list.Add(Text(array[i], $"{path}[{i}]"));
        return list;
    }

    private static string Kind(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => "a boolean",
    };

    private static EngineException Error(string message) => new($"seccomp profile: {message}");
}
