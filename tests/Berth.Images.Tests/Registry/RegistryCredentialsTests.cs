using System.Text;
using Berth.Images.Registry;
using Berth.Testing;

namespace Berth.Images.Tests.Registry;

public sealed class RegistryCredentialsTests : IDisposable
{
    private readonly string _dir = TestPaths.NewDirectory("creds");

    public void Dispose() => TestPaths.DeleteDirectory(_dir);

    private static string Auth(string pair) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pair));

    private static RegistryCredentials Parse(string json) => RegistryCredentials.Parse(Encoding.UTF8.GetBytes(json), "config.json");

    [Fact]
    public void Load_DockerConfig_FindsEachRegistryByItsReferenceDomain()
    {
        var path = Path.Combine(_dir, "config.json");
        File.WriteAllText(path, $$"""
            {
              "auths": {
                "https://index.docker.io/v1/": { "auth": "{{Auth("hubuser:hub:pass")}}" },
                "registry.example.com": { "username": "ci", "password": "s3cret" },
                "http://127.0.0.1:5000": { "auth": "{{Auth("local:pw")}}" },
                "helper.example.com": {}
              },
              "credsStore": "desktop"
            }
            """);

        var credentials = RegistryCredentials.Load(path);

        Assert.Equal(new RegistryCredential("hubuser", "hub:pass"), credentials.Find(ImageReference.Parse("busybox").Domain));
        Assert.Equal(new RegistryCredential("ci", "s3cret"), credentials.Find("registry.example.com"));
        Assert.Equal(new RegistryCredential("local", "pw"), credentials.Find("127.0.0.1:5000"));
        Assert.Null(credentials.Find("helper.example.com"));
        Assert.Null(credentials.Find("127.0.0.1:5001"));
        Assert.Equal(["docker.io", "registry.example.com", "127.0.0.1:5000"], credentials.Registries);
    }

    [Fact]
    public void Load_MissingFile_MeansNoCredentials()
    {
        var credentials = RegistryCredentials.Load(Path.Combine(_dir, "none", "config.json"));

        Assert.Empty(credentials.Registries);
    }

    [Fact]
    public void Credential_ToString_HidesThePassword()
    {
        Assert.Equal("ci", new RegistryCredential("ci", "s3cret").ToString());
    }

    [Theory]
    [InlineData("{", "credentials file config.json: not valid JSON")]
    [InlineData("[]", "credentials file config.json: expected a JSON object")]
    [InlineData("""{"auths": []}""", "credentials file config.json: auths must be an object of registries")]
    [InlineData("""{"auths": {"r.example": "x"}}""", "auths.\"r.example\" must be an object")]
    [InlineData("""{"auths": {"r.example": {"auth": "%%%"}}}""", "auths.\"r.example\".auth is not base64 of \"user:password\"")]
    [InlineData("""{"auths": {"r.example": {"auth": "bm9jb2xvbg=="}}}""", "auths.\"r.example\".auth does not hold \"user:password\"")]
    [InlineData("""{"auths": {"r.example": {"auth": 42}}}""", "auths.\"r.example\".auth must be a string")]
    [InlineData("""{"auths": {"r.example": {"username": "u"}}}""", "auths.\"r.example\": username u has no password")]
    [InlineData("""{"auths": {"https://": {"auth": "dTpw"}}}""", "auths.\"https://\": the key names no registry")]
    public void Parse_Malformed_RefusedNamingTheEntry(string json, string expected)
    {
        var e = Assert.Throws<ImageException>(() => Parse(json));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
