namespace Berth.Images.Registry;

/// <summary>How a <see cref="RegistryClient"/> reaches registries: credentials, which registries may speak plain HTTP, and retries.</summary>
public sealed class RegistryClientOptions
{
    /// <summary>The credentials to log in with; none by default (anonymous).</summary>
    public RegistryCredentials Credentials { get; init; } = RegistryCredentials.None;

    /// <summary>
    /// Registries (<c>host[:port]</c>, as in image references) that may be reached over plain HTTP and whose HTTPS
    /// certificates are not checked. Loopback registries (<c>localhost</c>, <c>127.0.0.0/8</c>, <c>::1</c>) are
    /// insecure without being listed, as Docker treats them.
    /// </summary>
    public IReadOnlyCollection<string> InsecureRegistries { get; init; } = [];

    /// <summary>
    /// How many times a request is tried when the connection fails or the registry answers 5xx or 429 (at least 1);
    /// 4 by default.
    /// </summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>The wait before the first retry, doubled for each further one (0.5 s by default); a registry's <c>Retry-After</c> overrides it.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between two tries, also for a <c>Retry-After</c> (30 s by default).</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a request may wait for the registry's answer to begin (1 minute by default); bodies stream without a limit.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Where to connect instead of a registry's own host and port (tests reach a registry under another name
    /// through it); null to connect where the name says.
    /// </summary>
    internal Func<string, int, (string Host, int Port)>? ConnectTo { get; init; }
}
