using System.Text;
using System.Text.Json;

namespace Berth.Images.Registry;

/// <summary>
/// The credentials known for registries, read from a file shaped like Docker's <c>~/.docker/config.json</c>:
/// <c>{"auths": {"REGISTRY": {"auth": base64("user:password")}}}</c>, or <c>username</c> and <c>password</c> in place
/// of <c>auth</c>. A registry key may carry a scheme and a path (<c>https://index.docker.io/v1/</c>, Docker's key for
/// Docker Hub) or be a bare <c>host[:port]</c>; Docker Hub's names (<c>index.docker.io</c>,
/// <c>registry-1.docker.io</c>) all count as <c>docker.io</c>. Entries that keep their secret elsewhere (credential
/// helpers, identity tokens) carry no password here and are passed over.
/// </summary>
public sealed class RegistryCredentials
{
    private readonly Dictionary<string, RegistryCredential> _byRegistry;

    /// <summary>Holds <paramref name="byRegistry"/>, keyed by registry (normalised as the file's keys are).</summary>
    public RegistryCredentials(IEnumerable<KeyValuePair<string, RegistryCredential>> byRegistry)
    {
        ArgumentNullException.ThrowIfNull(byRegistry);
        _byRegistry = new Dictionary<string, RegistryCredential>(StringComparer.Ordinal);
        foreach (var (registry, credential) in byRegistry) _byRegistry.TryAdd(NormaliseRegistry(registry), credential);
    }

    /// <summary>No credentials: every registry is used anonymously.</summary>
    public static RegistryCredentials None { get; } = new([]);

    /// <summary>The registries there are credentials for, normalised (<c>docker.io</c>, <c>127.0.0.1:5000</c>).</summary>
    public IReadOnlyCollection<string> Registries => _byRegistry.Keys;

    /// <summary>
    /// Reads the credentials file at <paramref name="path"/>. A missing file means no credentials (as for Docker,
    /// which has none until the first login).
    /// </summary>
    /// <exception cref="ImageException">The file cannot be read, or is malformed; the message names the file and the entry.</exception>
    public static RegistryCredentials Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] json;
        try
        {
            json = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return None;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageException($"credentials file {path}: cannot read it: {e.Message}", e);
        }
        return Parse(json, path);
    }

    /// <summary>Reads credentials from the JSON of a credentials file; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ImageException">Malformed; the message names <paramref name="source"/> and the entry.</exception>
    public static RegistryCredentials Parse(ReadOnlyMemory<byte> json, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ImageException($"credentials file {source}: not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            try
            {
                return Read(doc.RootElement, source);
            }
            catch (InvalidOperationException e)
            {
                // A string that is not valid UTF-8: JsonDocument checks strings only when they are read.
                throw new ImageException($"credentials file {source}: {e.Message}", e);
            }
        }
    }

    /// <summary>The credential for <paramref name="registry"/> (a reference's domain, such as <c>docker.io</c>), or null.</summary>
    public RegistryCredential? Find(string registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return _byRegistry.GetValueOrDefault(NormaliseRegistry(registry));
    }

    private static RegistryCredentials Read(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new ImageException($"credentials file {source}: expected a JSON object");
        var found = new List<KeyValuePair<string, RegistryCredential>>();
        if (!root.TryGetProperty("auths", out var auths) || auths.ValueKind == JsonValueKind.Null) return new RegistryCredentials(found);
        if (auths.ValueKind != JsonValueKind.Object) throw new ImageException($"credentials file {source}: auths must be an object of registries");
        foreach (var entry in auths.EnumerateObject())
        {
            var where = $"credentials file {source}: auths.\"{entry.Name}\"";
            if (entry.Value.ValueKind != JsonValueKind.Object) throw new ImageException($"{where} must be an object");
            if (NormaliseRegistry(entry.Name).Length == 0) throw new ImageException($"{where}: the key names no registry");
            var auth = OptionalString(entry.Value, "auth", where);
            var username = OptionalString(entry.Value, "username", where);
            var password = OptionalString(entry.Value, "password", where);
            if (!string.IsNullOrEmpty(auth))
            {
                string pair;
                try
                {
                    pair = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(auth));
                }
                catch (Exception e) when (e is FormatException or ArgumentException)
                {
                    throw new ImageException($"{where}.auth is not base64 of \"user:password\"", e);
                }
                var colon = pair.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0) throw new ImageException($"{where}.auth does not hold \"user:password\" (no user name before a ':')");
                found.Add(new(entry.Name, new RegistryCredential(pair[..colon], pair[(colon + 1)..])));
            }
            else if (!string.IsNullOrEmpty(username))
            {
                if (password is null) throw new ImageException($"{where}: username {username} has no password");
                found.Add(new(entry.Name, new RegistryCredential(username, password)));
            }
        }
        return new RegistryCredentials(found);
    }

    private static string? OptionalString(JsonElement obj, string name, string where)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new ImageException($"{where}.{name} must be a string");
    }

    /// <summary>
    /// A registry key as a reference's domain: without scheme and path, host in lowercase, Docker Hub's names as
    /// <c>docker.io</c>.
    /// </summary>
    private static string NormaliseRegistry(string key)
    {
        var name = key.Trim();
        var scheme = name.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) name = name[(scheme + 3)..];
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0) name = name[..slash];
        name = name.ToLowerInvariant();
        return name is "index.docker.io" or "registry-1.docker.io" ? ImageReference.DockerHub : name;
    }
}
