using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Berth.Testing;

/// <summary>
/// A token server for a <see cref="LocalRegistry"/> with token authentication, as Docker's token spec describes
/// one: <c>GET /token?service=…&amp;scope=repository:NAME:pull,push</c>, with Basic credentials or anonymous, answers
/// a JWT signed RS256 whose <c>access</c> claim grants only what the user may of what was asked. The key is
/// generated here; its self-signed certificate goes to <see cref="RootCertBundlePath"/> for the registry's
/// <c>rootcertbundle</c>, and each token's header carries it in <c>x5c</c> (how distribution 2.8 finds the key). The
/// issuer and audience (the service) are those the registry is configured with. Dispose stops it and removes its
/// folder.
/// </summary>
public sealed class TokenServer : IDisposable
{
    private readonly LoopbackHttpServer _http;
    private readonly RSA _key;
    private readonly X509Certificate2 _certificate;
    private readonly Dictionary<string, string> _passwords = new(StringComparer.Ordinal);
    private readonly Dictionary<(string? User, string Repository), HashSet<string>> _grants = [];
    private int _issued;

    /// <summary>Starts a token server on 127.0.0.1 and a free port.</summary>
    public TokenServer()
    {
        Directory = TestPaths.NewDirectory("tokens");
        _key = RSA.Create(2048);
        var request = new CertificateRequest("CN=berth-test-token-server", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, true));
        var serial = RandomNumberGenerator.GetBytes(16);
        // Go refuses negative serial numbers: keep the high bit clear.
        serial[0] &= 0x7f;
        serial[0] |= 0x01;
        var now = DateTimeOffset.UtcNow;
        var generator = X509SignatureGenerator.CreateForRSA(_key, RSASignaturePadding.Pkcs1);
        _certificate = request.Create(request.SubjectName, generator, now.AddHours(-1), now.AddDays(1), serial);
        File.WriteAllText(RootCertBundlePath, _certificate.ExportCertificatePem());
        _http = new LoopbackHttpServer(r => Task.FromResult(Answer(r)));
    }

    /// <summary>The service name (the registry's <c>auth.token.service</c>, the tokens' audience).</summary>
    public string Service { get; } = "berth-test-registry";

    /// <summary>The issuer (the registry's <c>auth.token.issuer</c>).</summary>
    public string Issuer { get; } = "berth-test-token-server";

    /// <summary>The URL of the token endpoint (the registry's <c>auth.token.realm</c>).</summary>
    public string Realm => $"http://{_http.Host}/token";

    /// <summary>The certificate of the signing key, PEM (the registry's <c>auth.token.rootcertbundle</c>).</summary>
    public string RootCertBundlePath => Path.Combine(Directory, "token-signer.pem");

    /// <summary>The server's folder.</summary>
    public string Directory { get; }

    /// <summary>How long tokens last.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Answer with OAuth's <c>access_token</c> field instead of <c>token</c>.</summary>
    public bool UseAccessTokenField { get; set; }

    /// <summary>How many tokens were issued.</summary>
    public int Issued => Volatile.Read(ref _issued);

    /// <summary>The requests received.</summary>
    public IReadOnlyList<LoopbackHttpRequest> Requests => _http.Requests;

    /// <summary>Adds a user.</summary>
    public void AddUser(string user, string password)
    {
        lock (_passwords) _passwords[user] = password;
    }

    /// <summary>Lets <paramref name="user"/> (null: anyone, logged in or not) do <paramref name="actions"/> (pull, push) on <paramref name="repository"/>.</summary>
    public void Grant(string? user, string repository, params string[] actions)
    {
        lock (_grants)
        {
            if (!_grants.TryGetValue((user, repository), out var set)) _grants[(user, repository)] = set = new HashSet<string>(StringComparer.Ordinal);
            set.UnionWith(actions);
        }
    }

    /// <summary>Stops the server and removes its folder.</summary>
    public void Dispose()
    {
        _http.Dispose();
        _certificate.Dispose();
        _key.Dispose();
        TestPaths.DeleteDirectory(Directory);
    }

    private LoopbackHttpResponse Answer(LoopbackHttpRequest request)
    {
        if (request.Method != "GET" || request.Path != "/token") return new LoopbackHttpResponse(404);
        string? user = null;
        if (request.Headers.TryGetValue("Authorization", out var authorization))
        {
            if (!authorization.StartsWith("Basic ", StringComparison.Ordinal)) return Error(401, "UNAUTHORIZED", "Basic credentials expected");
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..]));
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            string? known;
            lock (_passwords) known = colon > 0 ? _passwords.GetValueOrDefault(pair[..colon]) : null;
            if (known is null || known != pair[(colon + 1)..]) return Error(401, "UNAUTHORIZED", "wrong user name or password");
            user = pair[..colon];
        }
        var query = request.Query;
        if (query.FirstOrDefault(p => p.Key == "service").Value != Service) return Error(400, "INVALID_SERVICE", $"this server issues tokens for {Service}");
        var access = new List<(string Name, List<string> Actions)>();
        foreach (var scope in query.Where(p => p.Key == "scope").SelectMany(p => p.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            // repository:NAME:ACTIONS, where NAME may itself hold a ':' (a registry with a port): the actions are last.
            var parts = scope.Split(':');
            if (parts.Length < 3 || parts[0] != "repository") continue;
            var name = string.Join(':', parts[1..^1]);
            var allowed = Allowed(user, name);
            access.Add((name, parts[^1].Split(',').Where(allowed.Contains).ToList()));
        }
        var token = Sign(user ?? "", access);
        Interlocked.Increment(ref _issued);
        var body = UseAccessTokenField
            ? new Dictionary<string, object> { ["access_token"] = token, ["expires_in"] = (int)Lifetime.TotalSeconds }
            : new Dictionary<string, object> { ["token"] = token, ["expires_in"] = (int)Lifetime.TotalSeconds, ["issued_at"] = DateTime.UtcNow.ToString("O") };
        return new LoopbackHttpResponse(200, Json(body), "application/json");
    }

    private HashSet<string> Allowed(string? user, string repository)
    {
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        lock (_grants)
        {
            if (_grants.TryGetValue((null, repository), out var everyone)) allowed.UnionWith(everyone);
            if (user is not null && _grants.TryGetValue((user, repository), out var own)) allowed.UnionWith(own);
        }
        return allowed;
    }

    private string Sign(string subject, List<(string Name, List<string> Actions)> access)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new Dictionary<string, object> { ["typ"] = "JWT", ["alg"] = "RS256", ["x5c"] = new[] { Convert.ToBase64String(_certificate.RawData) } };
        var claims = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["sub"] = subject,
            ["aud"] = Service,
            ["exp"] = now + (long)Lifetime.TotalSeconds,
            ["nbf"] = now - 1,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access.Select(a => new Dictionary<string, object> { ["type"] = "repository", ["name"] = a.Name, ["actions"] = a.Actions }).ToArray(),
        };
        var signingInput = Base64Url(Json(header)) + "." + Base64Url(Json(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    private static LoopbackHttpResponse Error(int status, string code, string message)
    {
        var response = new LoopbackHttpResponse(status, Json(new Dictionary<string, object>
        {
            ["errors"] = new[] { new Dictionary<string, object> { ["code"] = code, ["message"] = message } },
        }), "application/json");
        if (status == 401) response.Headers["WWW-Authenticate"] = "Basic realm=\"berth-test-token-server\"";
        return response;
    }

    private static byte[] Json(object value) => JsonSerializer.SerializeToUtf8Bytes(value);

    private static string Base64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
