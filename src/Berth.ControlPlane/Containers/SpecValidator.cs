using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Berth.Engine;
using Berth.Data.Entities;
using Berth.Networking;

namespace Berth.ControlPlane.Containers;

/// <summary>Checks a container definition before anything is written; every refusal names the field and the value.</summary>
public static partial class SpecValidator
{
    public const long MinMemoryBytes = 4L * 1024 * 1024;
    public const long MaxMemoryBytes = 1L << 40;
    public const long MaxPids = 4_194_304;

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvKeyPattern();

    /// <summary>Throws <see cref="ControlPlaneException"/> (invalid) when <paramref name="name"/> is not a valid container, team or template name.</summary>
    public static void CheckName(string name, string what)
    {
        if (!NamePattern().IsMatch(name ?? ""))
            throw ControlPlaneException.Invalid($"{what} \"{name}\" is not valid: use 1 to 63 letters, digits, '_', '.' or '-', starting with a letter or digit");
    }

    /// <summary>Checks the form of every field of <paramref name="spec"/> (rights are the caller's business: see <see cref="HostMounts"/>).</summary>
    public static void Check(ContainerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (string.IsNullOrWhiteSpace(spec.Image)) throw ControlPlaneException.Invalid("image is required");
        if (spec.Image.Length > 255 || spec.Image.Any(char.IsWhiteSpace)) throw ControlPlaneException.Invalid($"image \"{spec.Image}\" is not a valid image reference");
        if (spec.Command.Count > 256) throw ControlPlaneException.Invalid("command has more than 256 arguments");
        foreach (var a in spec.Command)
        {
            if (a is null || a.Contains('\0', StringComparison.Ordinal) || a.Length > 4096) throw ControlPlaneException.Invalid("command arguments must be strings of at most 4096 characters without NUL");
        }
        if (spec.Env.Count > 256) throw ControlPlaneException.Invalid("env has more than 256 variables");
        foreach (var (k, v) in spec.Env)
        {
            if (!EnvKeyPattern().IsMatch(k)) throw ControlPlaneException.Invalid($"env: \"{k}\" is not a valid variable name");
            if (v is null || v.Contains('\0', StringComparison.Ordinal) || v.Length > 32768) throw ControlPlaneException.Invalid($"env: the value of {k} must be a string of at most 32768 characters without NUL");
        }
        if (spec.MemoryBytes is { } m && (m < MinMemoryBytes || m > MaxMemoryBytes))
            throw ControlPlaneException.Invalid(string.Create(CultureInfo.InvariantCulture, $"memoryBytes {m} is out of range: give {MinMemoryBytes} (4 MiB) to {MaxMemoryBytes} (1 TiB)"));
        if (spec.Cpus is { } c && (!double.IsFinite(c) || c < 0.01 || c > 1024))
            throw ControlPlaneException.Invalid(string.Create(CultureInfo.InvariantCulture, $"cpus {c} is out of range: give 0.01 to 1024"));
        if (spec.PidsLimit is { } p && (p < 1 || p > MaxPids))
            throw ControlPlaneException.Invalid(string.Create(CultureInfo.InvariantCulture, $"pidsLimit {p} is out of range: give 1 to {MaxPids}"));
        if (spec.Mounts.Count > 64) throw ControlPlaneException.Invalid("more than 64 mounts");
        foreach (var mount in spec.Mounts) CheckMount(mount);
        if (spec.RestartPolicy is not ("no" or "on-failure" or "always" or "unless-stopped"))
            throw ControlPlaneException.Invalid($"restartPolicy \"{spec.RestartPolicy}\" is not valid: use no, on-failure, always or unless-stopped");
        if (spec.MaxRetries is { } r && (r < 1 || r > 1000 || spec.RestartPolicy != "on-failure"))
            throw ControlPlaneException.Invalid("maxRetries goes with restartPolicy on-failure and must be 1 to 1000");
        if (spec.TtlSeconds is { } ttl && (ttl < 1 || ttl > 366 * 86400))
            throw ControlPlaneException.Invalid(string.Create(CultureInfo.InvariantCulture, $"ttlSeconds {ttl} is out of range: give 1 to {366 * 86400}"));
        if (spec.IdleStopSeconds is { } idle && (idle < 10 || idle > 366 * 86400))
            throw ControlPlaneException.Invalid(string.Create(CultureInfo.InvariantCulture, $"idleStopSeconds {idle} is out of range: give 10 to {366 * 86400}"));
        if (spec.HealthCheck is { } h) CheckHealth(h);
        if (spec.UserNamespace is not (null or "auto" or "host"))
            throw ControlPlaneException.Invalid($"userNamespace \"{spec.UserNamespace}\" is not valid: use auto or host");
        if (spec.SeccompProfile is { } seccomp) CheckSeccomp(seccomp);
        CheckNetwork(spec);
    }

    /// <summary>The network modes of a definition (<see cref="ContainerSpec.Network"/>); null means none.</summary>
    public const string NetworkNone = "none", NetworkTeam = "team", NetworkHost = "host";

    /// <summary>The most ports one container publishes.</summary>
    public const int MaxPorts = 64;

    /// <summary>Whether the definition asks for the host's network (only admins may).</summary>
    public static bool UsesHostNetwork(ContainerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Network == NetworkHost;
    }

    /// <summary>The definition's published ports, parsed (it has been checked).</summary>
    public static IReadOnlyList<PortMapping> PortsOf(ContainerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Ports.Select(PortMapping.Parse).ToList();
    }

    private static void CheckNetwork(ContainerSpec spec)
    {
        var network = spec.Network ?? NetworkNone;
        if (network is not (NetworkNone or NetworkTeam or NetworkHost))
            throw ControlPlaneException.Invalid($"network \"{network}\" is not valid: use none, team (the team's own network) or host (admins only)");
        if (spec.Ports.Count == 0) return;
        if (network != NetworkTeam)
            throw ControlPlaneException.Invalid($"ports need network team: a container on network {network} has no network of its own to publish ports from");
        if (spec.Ports.Count > MaxPorts) throw ControlPlaneException.Invalid($"ports: more than {MaxPorts} published ports");
        var parsed = new List<PortMapping>();
        for (var i = 0; i < spec.Ports.Count; i++)
        {
            var text = spec.Ports[i];
            if (text is null) throw ControlPlaneException.Invalid($"ports[{i}]: null entry");
            if (!PortMapping.TryParse(text, out var port, out var error))
                throw ControlPlaneException.Invalid($"ports[{i}] \"{text}\" is not valid: {error}; give {PortMapping.Form}");
            if (parsed.FirstOrDefault(p => p.Clashes(port)) is { } twice)
                throw ControlPlaneException.Invalid($"ports[{i}] \"{text}\": host port {port.HostIp}:{port.HostPort}/{port.Protocol} is already given as {twice}");
            parsed.Add(port);
        }
    }

    /// <summary>The largest seccomp profile taken, as JSON text (Docker's default profile is about 20 KB).</summary>
    public const int MaxSeccompProfileLength = 256 * 1024;

    /// <summary>
    /// What the engine takes for a definition's <see cref="ContainerSpec.SeccompProfile"/>
    /// (<see cref="RunOptions.SeccompProfile"/>): null for the default profile, <c>unconfined</c>, or the profile's JSON text.
    /// </summary>
    public static string? SeccompOption(JsonElement? profile) => profile switch
    {
        { ValueKind: JsonValueKind.String } s when s.GetString() == SeccompProfiles.Unconfined => SeccompProfiles.Unconfined,
        { ValueKind: JsonValueKind.Object } o => o.GetRawText(),
        _ => null,
    };

    private static void CheckSeccomp(JsonElement profile)
    {
        switch (profile.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return;
            case JsonValueKind.String when profile.GetString() is SeccompProfiles.Unconfined or SeccompProfiles.Default:
                return;
            case JsonValueKind.Object:
                var json = profile.GetRawText();
                if (json.Length > MaxSeccompProfileLength)
                    throw ControlPlaneException.Invalid(string.Create(CultureInfo.InvariantCulture, $"seccompProfile is larger than {MaxSeccompProfileLength} bytes"));
                // The engine's own check, as a launch would meet it, so that a bad profile is refused before anything is written.
                try { SeccompProfiles.Parse(json); }
                catch (EngineException e) { throw ControlPlaneException.Invalid($"seccompProfile: {e.Message}"); }
                return;
            default:
                throw ControlPlaneException.Invalid($"seccompProfile {profile.GetRawText()} is not valid: use \"unconfined\", \"default\" or a profile object");
        }
    }

    /// <summary>The mounts of host folders (only admins may ask for them).</summary>
    public static IReadOnlyList<string> HostMounts(ContainerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Mounts.Where(m => !m.StartsWith("tmpfs:", StringComparison.Ordinal)).ToList();
    }

    private static void CheckMount(string mount)
    {
        if (mount is null) throw ControlPlaneException.Invalid("mounts: null entry");
        if (mount.StartsWith("tmpfs:", StringComparison.Ordinal))
        {
            CheckContainerPath(mount[6..].Split(':')[0], mount);
            return;
        }
        var parts = mount.Split(':');
        if (parts.Length is < 2 or > 3 || parts.Length == 3 && parts[2] is not ("ro" or "rw"))
            throw ControlPlaneException.Invalid($"mount \"{mount}\" is not valid: use HOST:CONTAINER[:ro|rw] or tmpfs:PATH");
        CheckContainerPath(parts[0], mount);
        CheckContainerPath(parts[1], mount);
    }

    private static void CheckContainerPath(string path, string mount)
    {
        if (!path.StartsWith('/') || path.Split('/').Contains("..") || path.Contains('\0', StringComparison.Ordinal))
            throw ControlPlaneException.Invalid($"mount \"{mount}\": paths must be absolute, without \"..\"");
    }

    private static void CheckHealth(HealthCheckSpec h)
    {
        if (h.Command is null == h.HttpPort is null) throw ControlPlaneException.Invalid("healthCheck needs exactly one of command and httpPort");
        if (h.HttpPort is { } port && (port < 1 || port > 65535)) throw ControlPlaneException.Invalid($"healthCheck.httpPort {port} is out of range: give 1 to 65535");
        if (h.Command is { Length: 0 or > 4096 }) throw ControlPlaneException.Invalid("healthCheck.command must be 1 to 4096 characters");
        if (!h.HttpPath.StartsWith('/') || h.HttpPath.Any(char.IsControl) || h.HttpPath.Contains(' ', StringComparison.Ordinal))
            throw ControlPlaneException.Invalid($"healthCheck.httpPath \"{h.HttpPath}\" must be a path starting with '/'");
        if (h.IntervalSeconds is < 1 or > 3600 || h.TimeoutSeconds is < 1 or > 3600) throw ControlPlaneException.Invalid("healthCheck intervalSeconds and timeoutSeconds must be 1 to 3600");
        if (h.Retries is < 1 or > 100) throw ControlPlaneException.Invalid("healthCheck.retries must be 1 to 100");
        if (h.Action is not ("restart" or "stop" or "none")) throw ControlPlaneException.Invalid($"healthCheck.action \"{h.Action}\" is not valid: use restart, stop or none");
    }
}
