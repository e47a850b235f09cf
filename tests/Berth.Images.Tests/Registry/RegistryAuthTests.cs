using Berth.Images.Registry;
using Berth.Testing;

namespace Berth.Images.Tests.Registry;

/// <summary>
/// Authentication against real registries: docker-registry with an htpasswd file (HTTP Basic), and with token
/// authentication against <see cref="TokenServer"/> (Docker's Bearer tokens, JWTs the registry verifies).
/// </summary>
public sealed class RegistryAuthTests : IDisposable
{
    private readonly string _storeDir = TestPaths.NewDirectory("store");
    private readonly ImageStore _store;
    private readonly List<IDisposable> _owned = [];

    public RegistryAuthTests() => _store = new ImageStore(_storeDir);

    public void Dispose()
    {
        foreach (var d in Enumerable.Reverse(_owned)) d.Dispose();
        TestPaths.DeleteDirectory(_storeDir);
    }

    private T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private RegistryClient Client(LocalRegistry registry, string? user = null, string? password = null)
        => Own(new RegistryClient(new RegistryClientOptions
        {
            Credentials = user is null ? RegistryCredentials.None : new RegistryCredentials([new(registry.Host, new RegistryCredential(user, password!))]),
        }));

    private async Task<TestImage> LocalImageAsync(string name, int layers = 2)
    {
        var image = TestImage.Random(Platform.Default, layers);
        await image.AddToAsync(_store, ImageReference.Parse(name));
        return image;
    }

    private LocalRegistry BasicRegistry() => Own(LocalRegistry.Start(new Dictionary<string, string> { ["alice"] = "wonderland" }));

    private (TokenServer Tokens, LocalRegistry Registry) TokenRegistry()
    {
        var tokens = Own(new TokenServer());
        tokens.AddUser("alice", "wonderland");
        tokens.AddUser("bob", "builder");
        tokens.Grant("alice", "team/app", "pull", "push");
        tokens.Grant("bob", "team/app", "pull");
        return (tokens, Own(LocalRegistry.Start(tokens: tokens)));
    }

    [Fact]
    public async Task PushAndPull_BasicAuthWithTheRightPassword_Work()
    {
        var registry = BasicRegistry();
        var image = await LocalImageAsync("app:1");
        var client = Client(registry, "alice", "wonderland");
        var target = ImageReference.Parse($"{registry.Host}/team/app:1");

        await client.PushAsync(ImageReference.Parse("app:1"), target, _store);
        var pulled = await Client(registry, "alice", "wonderland").PullAsync(target, _store);

        Assert.Equal(image.Manifest.Digest, pulled.Manifest.Digest);
    }

    [Fact]
    public async Task PushAsync_CredentialsFromADockerConfigFile_LogIn()
    {
        var registry = BasicRegistry();
        var image = await LocalImageAsync("app:1");
        var config = Path.Combine(_storeDir, "config.json");
        var auth = Convert.ToBase64String("alice:wonderland"u8);
        await File.WriteAllTextAsync(config, $$$"""{"auths": {"http://{{{registry.Host}}}": {"auth": "{{{auth}}}"} } }""");
        var client = Own(new RegistryClient(new RegistryClientOptions { Credentials = RegistryCredentials.Load(config) }));

        var pushed = await client.PushAsync(ImageReference.Parse("app:1"), ImageReference.Parse($"{registry.Host}/team/app:1"), _store);

        Assert.Equal(image.Manifest.Digest, pushed.Manifest.Digest);
    }

    [Fact]
    public async Task PushAsync_BasicAuthWithoutCredentials_RefusedSayingNoneAreKnown()
    {
        var registry = BasicRegistry();
        await LocalImageAsync("app:1");

        var e = await Assert.ThrowsAsync<ImageException>(() =>
            Client(registry).PushAsync(ImageReference.Parse("app:1"), ImageReference.Parse($"{registry.Host}/team/app:1"), _store));

        Assert.Contains($"registry {registry.Host} asks for credentials and none are known for it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullAsync_BasicAuthWithAWrongPassword_RefusedNamingTheUser()
    {
        var registry = BasicRegistry();

        var e = await Assert.ThrowsAsync<ImageException>(() =>
            Client(registry, "alice", "looking-glass").PullAsync(ImageReference.Parse($"{registry.Host}/team/app:1"), _store));

        Assert.Contains($"registry {registry.Host} refused access with the credentials of user alice", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("looking-glass", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PushAndPull_BearerTokens_WorkAndOneTokenServesAllRequestsOfAScope()
    {
        var (tokens, registry) = TokenRegistry();
        var image = await LocalImageAsync("app:1", layers: 3);
        var target = ImageReference.Parse($"{registry.Host}/team/app:1");

        var pusher = Client(registry, "alice", "wonderland");
        await pusher.PushAsync(ImageReference.Parse("app:1"), target, _store);
        var puller = Client(registry, "bob", "builder");
        var pulled = await puller.PullAsync(target, Own(new TempStore()).Store);

        Assert.Equal(image.Manifest.Digest, pulled.Manifest.Digest);
        Assert.Equal(1, pusher.TokensFetched);
        Assert.Equal(1, puller.TokensFetched);
        var asked = tokens.Requests.Select(r => (r.Headers.GetValueOrDefault("Authorization") is not null, r.Query.Where(p => p.Key == "scope").Select(p => p.Value).Single())).ToList();
        Assert.Equal([(true, "repository:team/app:pull,push"), (true, "repository:team/app:pull")], asked);
        Assert.All(tokens.Requests, r => Assert.Equal(tokens.Service, r.Query.Single(p => p.Key == "service").Value));
    }

    [Fact]
    public async Task PullAsync_TokenServerAnsweringAccessToken_Works()
    {
        var (tokens, registry) = TokenRegistry();
        var image = await LocalImageAsync("app:1");
        var target = ImageReference.Parse($"{registry.Host}/team/app:1");
        await Client(registry, "alice", "wonderland").PushAsync(ImageReference.Parse("app:1"), target, _store);
        tokens.UseAccessTokenField = true;

        var pulled = await Client(registry, "bob", "builder").PullAsync(target, Own(new TempStore()).Store);

        Assert.Equal(image.Manifest.Digest, pulled.Manifest.Digest);
    }

    [Fact]
    public async Task PushAsync_UserAllowedOnlyToPull_RefusedAndTheRegistryHasNoManifest()
    {
        var (_, registry) = TokenRegistry();
        await LocalImageAsync("app:1");
        var target = ImageReference.Parse($"{registry.Host}/team/app:1");

        var e = await Assert.ThrowsAsync<ImageException>(() => Client(registry, "bob", "builder").PushAsync(ImageReference.Parse("app:1"), target, _store));

        Assert.Contains($"registry {registry.Host} refused access with the credentials of user bob", e.Message, StringComparison.Ordinal);
        var pull = await Assert.ThrowsAsync<ImageException>(() => Client(registry, "alice", "wonderland").PullAsync(target, Own(new TempStore()).Store));
        Assert.Contains("not found", pull.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullAsync_AnonymousWhereOnlyUsersMayPull_Refused()
    {
        var (_, registry) = TokenRegistry();

        var e = await Assert.ThrowsAsync<ImageException>(() => Client(registry).PullAsync(ImageReference.Parse($"{registry.Host}/team/app:1"), _store));

        Assert.Contains($"registry {registry.Host} asks for credentials and none are known for it", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PullAsync_AnonymousWhereAnyoneMayPull_Works()
    {
        var (tokens, registry) = TokenRegistry();
        tokens.Grant(null, "team/app", "pull");
        var image = await LocalImageAsync("app:1");
        var target = ImageReference.Parse($"{registry.Host}/team/app:1");
        await Client(registry, "alice", "wonderland").PushAsync(ImageReference.Parse("app:1"), target, _store);

        var pulled = await Client(registry).PullAsync(target, Own(new TempStore()).Store);

        Assert.Equal(image.Manifest.Digest, pulled.Manifest.Digest);
        Assert.Null(tokens.Requests[^1].Headers.GetValueOrDefault("Authorization"));
    }

    [Fact]
    public async Task PullAsync_WrongPasswordForTheTokenServer_RefusedNamingTheUser()
    {
        var (_, registry) = TokenRegistry();

        var e = await Assert.ThrowsAsync<ImageException>(() =>
            Client(registry, "alice", "looking-glass").PullAsync(ImageReference.Parse($"{registry.Host}/team/app:1"), _store));

        Assert.Contains($"registry {registry.Host}: its token server refused the credentials of user alice (401)", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A second image store of a test's own.</summary>
    private sealed class TempStore : IDisposable
    {
        private readonly string _dir = TestPaths.NewDirectory("store");

        public TempStore() => Store = new ImageStore(_dir);

        public ImageStore Store { get; }

        public void Dispose() => TestPaths.DeleteDirectory(_dir);
    }
}
