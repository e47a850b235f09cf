namespace Berth.Networking.Tests;

public sealed class ParsingTests
{
    [Theory]
    [InlineData("8080:80", "127.0.0.1:8080:80/tcp")]
    [InlineData("0.0.0.0:53:53/udp", "0.0.0.0:53:53/udp")]
    [InlineData("127.0.0.2:9000:90/tcp", "127.0.0.2:9000:90/tcp")]
    public void PortMapping_Parse_GivesTheCanonicalForm(string text, string canonical)
        => Assert.Equal(canonical, PortMapping.Parse(text).ToString());

    [Theory]
    [InlineData("80")]
    [InlineData("a:80")]
    [InlineData("8080:0")]
    [InlineData("8080:70000")]
    [InlineData("8080:80/sctp")]
    [InlineData("1.2.3:8080:80")]
    [InlineData("1:2:3:4")]
    [InlineData("")]
    public void PortMapping_Parse_Malformed_SaysTheForm(string text)
    {
        var e = Assert.Throws<NetworkException>(() => PortMapping.Parse(text));
        Assert.Contains("HOST-PORT:CONTAINER-PORT", e.Message);
    }

    [Fact]
    public void PortMapping_Clashes_SamePortAndProtocolOnTheSameOrAnyAddress()
    {
        Assert.True(PortMapping.Parse("8080:80").Clashes(PortMapping.Parse("8080:81")));
        Assert.True(PortMapping.Parse("0.0.0.0:8080:80").Clashes(PortMapping.Parse("8080:81")));
        Assert.False(PortMapping.Parse("8080:80").Clashes(PortMapping.Parse("8080:80/udp")));
        Assert.False(PortMapping.Parse("127.0.0.2:8080:80").Clashes(PortMapping.Parse("8080:80")));
    }

    [Fact]
    public void Subnet_Overlaps_WhenOneHoldsTheOther()
    {
        Assert.True(Ipv4Subnet.Parse("10.0.0.0/16").Overlaps(Ipv4Subnet.Parse("10.0.5.0/24")));
        Assert.True(Ipv4Subnet.Parse("10.0.5.0/24").Overlaps(Ipv4Subnet.Parse("10.0.0.0/16")));
        Assert.False(Ipv4Subnet.Parse("10.0.5.0/24").Overlaps(Ipv4Subnet.Parse("10.0.6.0/24")));
    }

    [Theory]
    [InlineData("10.0.0.1/24")]
    [InlineData("10.0.0.0")]
    [InlineData("10.0.0.0/31")]
    [InlineData("fd00::/64")]
    [InlineData("300.0.0.0/8")]
    public void Subnet_Parse_Malformed_IsRefused(string text) => Assert.Throws<NetworkException>(() => Ipv4Subnet.Parse(text));

    [Fact]
    public void Rules_Script_DropsForwardingToOtherBerthBridgesAndMasqueradesEachSubnet()
    {
        var script = NetworkRules.Script("berth_t", [
            new Network { Name = "a", Id = "1", Bridge = "berth0", Subnet = "10.213.0.0/24", Gateway = "10.213.0.1" },
            new Network { Name = "b", Id = "2", Bridge = "berth1234", Subnet = "10.213.1.0/24", Gateway = "10.213.1.1" },
        ]);

        Assert.Contains("iifname \"berth0\" oifname \"berth*\" oifname != \"berth0\" drop", script);
        Assert.Contains("iifname \"berth1234\" oifname \"berth*\" oifname != \"berth1234\" drop", script);
        Assert.Contains("ip saddr 10.213.1.0/24 ip daddr != 10.213.1.0/24 oifname != \"berth1234\" masquerade", script);
    }

    [Fact]
    public void Rules_Script_NoNetworks_OnlyDeletesTheTable()
        => Assert.Equal("add table inet berth_t\ndelete table inet berth_t\n", NetworkRules.Script("berth_t", []));
}
