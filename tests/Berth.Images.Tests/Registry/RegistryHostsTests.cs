using Berth.Images.Registry;

namespace Berth.Images.Tests.Registry;

public sealed class RegistryHostsTests
{
    [Theory]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("127.8.9.10", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("localhost:5000", true)]
    [InlineData("LOCALHOST", true)]
    [InlineData("10.0.0.1:5000", false)]
    [InlineData("registry.example.com", false)]
    [InlineData("localhost.example.com:5000", false)]
    [InlineData("listed.example.com:5000", true)]
    [InlineData("listed.example.com:6000", false)]
    [InlineData("whole-host.example.com:7000", true)]
    public void IsInsecure_LoopbackOrListed_OnlyThose(string registry, bool insecure)
    {
        Assert.Equal(insecure, RegistryHosts.IsInsecure(registry, ["listed.example.com:5000", "whole-host.example.com"]));
    }

    [Fact]
    public void ApiHost_DockerHub_IsRegistry1()
    {
        Assert.Equal("registry-1.docker.io", RegistryHosts.ApiHost(ImageReference.Parse("busybox").Domain));
        Assert.Equal("quay.io", RegistryHosts.ApiHost("quay.io"));
    }

    [Fact]
    public void ParseParameters_DockerHubBearerChallenge_ReadsQuotedValuesWithCommas()
    {
        var parameters = AuthChallenge.ParseParameters("realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull,push\",error=insufficient_scope");

        Assert.Equal("https://auth.docker.io/token", parameters["realm"]);
        Assert.Equal("registry.docker.io", parameters["service"]);
        Assert.Equal("repository:library/busybox:pull,push", parameters["scope"]);
        Assert.Equal("insufficient_scope", parameters["error"]);
    }

    [Fact]
    public void ParseToken_AccessTokenWithoutExpiry_LastsTheSpecsDefaultMinute()
    {
        var (token, lifetime) = RegistryAuthenticator.ParseToken("""{"access_token":"abc"}"""u8.ToArray(), "r.example");

        Assert.Equal("abc", token);
        Assert.Equal(TimeSpan.FromSeconds(60), lifetime);
    }

    [Fact]
    public void ParseToken_NoToken_RefusedNamingTheRegistry()
    {
        var e = Assert.Throws<ImageException>(() => RegistryAuthenticator.ParseToken("""{"expires_in":300}"""u8.ToArray(), "r.example"));

        Assert.Equal("registry r.example: its token server's answer has neither token nor access_token", e.Message);
    }
}
