using System.Net;
using Gateway.Core.Actors;
using Gateway.Web.Hosting;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Hosting;

/// <summary><c>Gateway:Receiver</c>: a concentrator's capacity and admission rate, and errors that name the key.</summary>
public sealed class ReceiverLimitsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    private static readonly ReceiverOptions Defaults = new()
    {
        Listen = new IPEndPoint(IPAddress.Loopback, 6671),
        MemberSession = new(),
        Bundle = new(),
        PeerAddresses = [IPAddress.Parse("10.0.0.2")],
    };

    [Fact]
    public void Without_the_section_the_receiver_keeps_its_defaults()
    {
        var errors = new List<string>();
        var options = ReceiverLimits.Read(Config(), errors).Apply(Defaults);
        Assert.Empty(errors);
        Assert.Equal((1024, 100, 100), (options.MaxPeers, options.MaxNewPeerRequestsPerSecond, options.MaxKnownPeerRequestsPerSecond));
    }

    [Fact]
    public void Each_limit_given_replaces_its_default_alone()
    {
        var errors = new List<string>();
        var options = ReceiverLimits.Read(Config(("Gateway:Receiver:MaxPeers", "8192"), ("Gateway:Receiver:MaxNewPeerRequestsPerSecond", "1000")), errors)
            .Apply(Defaults);
        Assert.Empty(errors);
        Assert.Equal((8192, 1000, 100), (options.MaxPeers, options.MaxNewPeerRequestsPerSecond, options.MaxKnownPeerRequestsPerSecond));
    }

    [Theory]
    [InlineData("MaxPeers", "0", "'0' is not a whole number from 1 to 65,536")]
    [InlineData("MaxPeers", "70000", "'70000' is not a whole number from 1 to 65,536")]
    [InlineData("MaxKnownPeerRequestsPerSecond", "many", "'many' is not a whole number from 1 to 1,000,000")]
    [InlineData("MaxNewPeerRequestsPerSecond", "-5", "'-5' is not a whole number from 1 to 1,000,000")]
    public void A_wrong_value_is_an_error_that_names_its_key(string key, string value, string message)
    {
        var errors = new List<string>();
        var limits = ReceiverLimits.Read(Config(("Gateway:Receiver:" + key, value)), errors);
        Assert.Equal($"Gateway:Receiver:{key}: {message}", Assert.Single(errors));
        Assert.Equal(Defaults, limits.Apply(Defaults));
    }
}
