namespace Berth.Images.Registry;

/// <summary>A registry as this client reaches it: its API's base URL (scheme chosen), the HTTP client for it, and its last auth challenge.</summary>
internal sealed class RegistryEndpoint(string domain, Uri baseUri, HttpClient client, AuthChallenge? challenge)
{
    private volatile AuthChallenge? _challenge = challenge;

    /// <summary>The registry's name as references give it (<c>docker.io</c>, <c>127.0.0.1:5000</c>).</summary>
    public string Domain { get; } = domain;

    /// <summary><c>https://HOST[:PORT]/</c>, or <c>http://</c> for an insecure registry that does not speak TLS.</summary>
    public Uri BaseUri { get; } = baseUri;

    public HttpClient Client { get; } = client;

    /// <summary>How the registry asked to be authenticated (from <c>/v2/</c> or a later 401); null while it has not asked.</summary>
    public AuthChallenge? Challenge
    {
        get => _challenge;
        set => _challenge = value;
    }
}
