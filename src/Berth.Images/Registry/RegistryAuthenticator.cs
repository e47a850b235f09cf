using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Berth.Images.Registry;

/// <summary>
/// Answers registries' challenges: HTTP Basic with the known credential, or Docker's token authentication (a Bearer
/// challenge names a token server, the realm, asked with GET for the service and scopes, with Basic credentials when
/// there are any). Tokens are kept per realm, service and scope until shortly before they expire.
/// </summary>
internal sealed class RegistryAuthenticator(RegistryClientOptions options, RetryPolicy retry, Func<bool, HttpClient> clientFor) : IDisposable
{
    private const int MaxTokenResponse = 1 << 20;

    /// <summary>Token lifetime when the server gives none (the token spec's default).</summary>
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromSeconds(60);

    /// <summary>A token is not used this close to its expiry: the request may take that long to reach the registry.</summary>
    private static readonly TimeSpan ExpirySlack = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, (string Token, DateTime Expires)> _tokens = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _fetching = new(1, 1);
    private int _tokensFetched;

    /// <summary>How many tokens were fetched from token servers (tests check the cache with it).</summary>
    public int TokensFetched => _tokensFetched;

    public void Dispose() => _fetching.Dispose();

    /// <summary>Puts the answer to the registry's last challenge on <paramref name="request"/>, fetching a token for <paramref name="scope"/> if needed.</summary>
    /// <exception cref="ImageException">The token server refused or failed.</exception>
    public async Task AuthorizeAsync(RegistryEndpoint endpoint, HttpRequestMessage request, string scope, CancellationToken cancellationToken)
    {
        var challenge = endpoint.Challenge;
        if (challenge is null) return;
        if (challenge.IsBasic)
        {
            if (options.Credentials.Find(endpoint.Domain) is { } credential) request.Headers.Authorization = Basic(credential);
            return;
        }
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(endpoint, challenge, scope, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Takes in the challenge of a 401 answer; true when sending the request again may succeed (a token to fetch
    /// anew, or credentials not yet sent).
    /// </summary>
    public bool OnUnauthorized(RegistryEndpoint endpoint, string scope, HttpResponseMessage response)
    {
        var challenge = AuthChallenge.From(response.Headers.WwwAuthenticate);
        if (challenge is null) return false;
        var before = endpoint.Challenge;
        endpoint.Challenge = challenge;
        if (challenge.IsBearer)
        {
            _tokens.TryRemove(Key(challenge, scope), out _);
            return true;
        }
        return before is not { IsBasic: true } && options.Credentials.Find(endpoint.Domain) is not null;
    }

    /// <summary>What to tell the user when the registry still answers 401.</summary>
    public string DeniedMessage(RegistryEndpoint endpoint, string what)
        => options.Credentials.Find(endpoint.Domain) is { } credential
            ? $"{what}: registry {endpoint.Domain} refused access with the credentials of user {credential.Username} (wrong password, or no access to it)"
            : $"{what}: registry {endpoint.Domain} asks for credentials and none are known for it";

    private static AuthenticationHeaderValue Basic(RegistryCredential credential)
        => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}")));

    private static string Key(AuthChallenge challenge, string scope) => $"{challenge.Realm}\n{challenge.Service}\n{scope}";

    private async Task<string> TokenAsync(RegistryEndpoint endpoint, AuthChallenge challenge, string scope, CancellationToken cancellationToken)
    {
        var key = Key(challenge, scope);
        if (_tokens.TryGetValue(key, out var cached) && cached.Expires > DateTime.UtcNow) return cached.Token;
        await _fetching.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_tokens.TryGetValue(key, out cached) && cached.Expires > DateTime.UtcNow) return cached.Token;
            var (token, lifetime) = await FetchTokenAsync(endpoint, challenge, scope, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _tokensFetched);
            // Expiry is counted from when the token arrived, by this machine's clock: issued_at comes from another
            // clock that may be off.
            _tokens[key] = (token, DateTime.UtcNow + lifetime - (lifetime > ExpirySlack * 2 ? ExpirySlack : TimeSpan.Zero));
            return token;
        }
        finally
        {
            _fetching.Release();
        }
    }

    private async Task<(string Token, TimeSpan Lifetime)> FetchTokenAsync(RegistryEndpoint endpoint, AuthChallenge challenge, string scope, CancellationToken cancellationToken)
    {
        var realm = challenge.Realm!;
        if (!Uri.TryCreate(realm, UriKind.Absolute, out var realmUri) || realmUri.Scheme is not ("https" or "http"))
            throw new ImageException($"registry {endpoint.Domain}: its token server \"{realm}\" is not an http(s) URL");
        var insecure = RegistryHosts.IsInsecure(realmUri.Authority, options.InsecureRegistries);
        // Credentials go to the token server: never in clear text to one that is not trusted with plain HTTP.
        if (realmUri.Scheme == "http" && !insecure)
            throw new ImageException($"registry {endpoint.Domain}: its token server {realm} is plain HTTP; list {realmUri.Authority} as an insecure registry to allow it");
        var query = new StringBuilder(realm).Append(realm.Contains('?', StringComparison.Ordinal) ? '&' : '?');
        if (challenge.Service is { } service) query.Append("service=").Append(Uri.EscapeDataString(service)).Append('&');
        foreach (var s in scope.Split(' ', StringSplitOptions.RemoveEmptyEntries)) query.Append("scope=").Append(Uri.EscapeDataString(s)).Append('&');
        var uri = new Uri(query.ToString().TrimEnd('&', '?'));
        var credential = options.Credentials.Find(endpoint.Domain);
        HttpResponseMessage response;
        try
        {
            response = await retry.SendAsync(t =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, uri);
                if (credential is not null) request.Headers.Authorization = Basic(credential);
                return clientFor(insecure).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, t);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (RetryPolicy.IsTransient(e, cancellationToken))
        {
            throw new ImageException($"registry {endpoint.Domain}: cannot reach its token server {realmUri.GetLeftPart(UriPartial.Path)}: {e.Message}", e);
        }
        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new ImageException(credential is null
                    ? $"registry {endpoint.Domain}: its token server refused an anonymous token for {scope} ({(int)response.StatusCode}); log in first"
                    : $"registry {endpoint.Domain}: its token server refused the credentials of user {credential.Username} ({(int)response.StatusCode})");
            }
            if (!response.IsSuccessStatusCode)
                throw new ImageException($"registry {endpoint.Domain}: its token server answered {(int)response.StatusCode} {response.ReasonPhrase}");
            var body = await RegistryTransport.ReadBoundedAsync(response, MaxTokenResponse, "token response", cancellationToken).ConfigureAwait(false);
            return ParseToken(body, endpoint.Domain);
        }
    }

    /// <summary>Reads <c>token</c> (or OAuth's <c>access_token</c>) and <c>expires_in</c> from a token server's answer.</summary>
    internal static (string Token, TimeSpan Lifetime) ParseToken(byte[] body, string domain)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ImageException($"registry {domain}: its token server's answer is not a JSON object");
            string? token = null;
            foreach (var name in new[] { "token", "access_token" })
            {
                if (root.TryGetProperty(name, out var t) && t.ValueKind == JsonValueKind.String && t.GetString() is { Length: > 0 } value)
                {
                    token = value;
                    break;
                }
            }
            if (token is null) throw new ImageException($"registry {domain}: its token server's answer has neither token nor access_token");
            var lifetime = DefaultLifetime;
            if (root.TryGetProperty("expires_in", out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var seconds) && seconds > 0)
                lifetime = TimeSpan.FromSeconds(seconds);
            return (token, lifetime);
        }
        catch (JsonException e)
        {
            throw new ImageException($"registry {domain}: its token server's answer is not valid JSON: {e.Message}", e);
        }
    }
}
