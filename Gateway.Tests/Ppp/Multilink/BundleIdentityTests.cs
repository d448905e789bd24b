using System.Net;
using Gateway.Core.Ppp.Multilink;

namespace Gateway.Tests.Ppp.Multilink;

public class BundleIdentityTests
{
    private static EndpointDiscriminator Label(string s)
    {
        Assert.True(EndpointDiscriminator.TryCreateLabel(s, out var d, out _));
        return d;
    }

    private static readonly MultilinkLinkParameters Parameters = new(1500, 1500, false, false);

    [Fact]
    public void Every_class_0_to_5_can_be_made_and_round_trips_through_the_option_value()
    {
        var made = new List<EndpointDiscriminator> { EndpointDiscriminator.None, Label("vpn") };
        Assert.True(EndpointDiscriminator.TryCreateIp(IPAddress.Parse("192.0.2.7"), out var ip, out _));
        Assert.True(EndpointDiscriminator.TryCreateMac([0, 1, 2, 3, 4, 5], out var mac, out _));
        Assert.True(EndpointDiscriminator.TryCreateMagic([1, 2, 3, 4, 5, 6, 7, 8], out var magic, out _));
        Assert.True(EndpointDiscriminator.TryCreatePhoneNumber("5551234", out var psn, out _));
        made.AddRange([ip, mac, magic, psn]);
        Assert.Equal([0, 1, 2, 3, 4, 5], made.Select(d => (int)d.Class));
        foreach (var d in made)
        {
            var wire = new byte[d.EncodedLength];
            d.Encode(wire);
            Assert.True(EndpointDiscriminator.TryDecode(wire, out var back, out _));
            Assert.Equal(d, back);
        }
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 6, 1 })]
    [InlineData(new byte[] { 2, 1, 2, 3 })]
    [InlineData(new byte[] { 3, 1, 2, 3, 4, 5 })]
    [InlineData(new byte[] { 4, 1, 2, 3, 4, 5 })]
    public void Bad_option_values_are_refused_with_a_reason(byte[] value)
    {
        Assert.False(EndpointDiscriminator.TryDecode(value, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void A_link_from_the_same_peer_with_the_same_parameters_joins()
    {
        var d = BundleJoinPolicy.Decide(new("alice", Label("gw")), Parameters, new("alice", Label("gw")), Parameters);
        Assert.Equal(BundleJoinOutcome.Join, d.Outcome);
    }

    [Theory]
    [InlineData("bob", "gw")]
    [InlineData("Alice", "gw")]
    [InlineData("alice", "gw2")]
    public void A_different_authname_or_discriminator_is_another_bundle(string name, string label)
    {
        var d = BundleJoinPolicy.Decide(new("alice", Label("gw")), Parameters, new(name, Label(label)), Parameters);
        Assert.Equal(BundleJoinOutcome.DifferentBundle, d.Outcome);
    }

    [Fact]
    public void The_same_label_in_another_class_is_another_bundle()
    {
        Assert.True(EndpointDiscriminator.TryCreate(5, "gw"u8, out var psn, out _));
        var d = BundleJoinPolicy.Decide(new("alice", Label("gw")), Parameters, new("alice", psn), Parameters);
        Assert.Equal(BundleJoinOutcome.DifferentBundle, d.Outcome);
    }

    [Theory]
    [InlineData(1400, 1500, false, false, "local MRRU")]
    [InlineData(1500, 1600, false, false, "peer MRRU")]
    [InlineData(1500, 1500, true, false, "local short-sequence")]
    [InlineData(1500, 1500, false, true, "peer short-sequence")]
    public void A_link_whose_mrru_or_short_sequence_differs_is_refused_with_the_reason(int localMrru, int peerMrru, bool localShort, bool peerShort, string reason)
    {
        var link = new MultilinkLinkParameters((ushort)localMrru, (ushort)peerMrru, localShort, peerShort);
        var d = BundleJoinPolicy.Decide(new("alice", Label("gw")), Parameters, new("alice", Label("gw")), link);
        Assert.Equal(BundleJoinOutcome.Refused, d.Outcome);
        Assert.Contains(reason, d.Reason);
    }

    [Fact]
    public void Links_without_authentication_or_discriminator_share_the_null_bundle()
    {
        var d = BundleJoinPolicy.Decide(new("", EndpointDiscriminator.None), Parameters, new("", EndpointDiscriminator.None), Parameters);
        Assert.Equal(BundleJoinOutcome.Join, d.Outcome);
    }
}
