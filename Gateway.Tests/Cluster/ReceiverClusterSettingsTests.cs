using Gateway.Web.Cluster;
using Microsoft.Extensions.Configuration;

namespace Gateway.Tests.Cluster;

/// <summary><c>Gateway:Cluster</c> read from configuration: what it means, and errors that name the key.</summary>
public sealed class ReceiverClusterSettingsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Without_seed_nodes_the_receiver_runs_alone()
    {
        Assert.False(ReceiverClusterSettings.IsConfigured(Config()));
        Assert.False(ReceiverClusterSettings.IsConfigured(Config(("Gateway:Cluster:Port", "4053"))));
        Assert.True(ReceiverClusterSettings.IsConfigured(Config(("Gateway:Cluster:SeedNodes:0", "10.0.0.1:4053"))));
        Assert.True(ReceiverClusterSettings.IsConfigured(Config(("Gateway:Cluster:SeedNodes", "10.0.0.1:4053,10.0.0.2:4053"))));
    }

    [Fact]
    public void Seed_nodes_are_host_and_port_or_whole_addresses_in_an_array_or_a_list()
    {
        var errors = new List<string>();
        var settings = ReceiverClusterSettings.Read(Config(
            ("Gateway:Cluster:Hostname", "10.0.0.1"),
            ("Gateway:Cluster:Port", "4100"),
            ("Gateway:Cluster:SeedNodes:0", "10.0.0.1:4100"),
            ("Gateway:Cluster:SeedNodes:1", "akka.tcp://gateway@node2.example:4100"),
            ("Gateway:Cluster:SeedNodes:2", "[fd00::3]:4100")), errors);
        Assert.Empty(errors);
        Assert.Equal(["akka.tcp://gateway@10.0.0.1:4100", "akka.tcp://gateway@node2.example:4100", "akka.tcp://gateway@[fd00::3]:4100"], settings.SeedNodes);
        Assert.Equal("akka.tcp://gateway@10.0.0.1:4100", settings.SelfAddress);
        Assert.Equal("keep-majority", settings.Strategy);
        Assert.Equal(TimeSpan.FromMilliseconds(500), settings.StableAfter);
        Assert.False(settings.ShardBundles);
        Assert.Equal((TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1)), (settings.HeartbeatInterval, settings.AcceptableHeartbeatPause));
        var relaxed = ReceiverClusterSettings.Read(Config(
            ("Gateway:Cluster:Hostname", "10.0.0.1"), ("Gateway:Cluster:SeedNodes:0", "10.0.0.1:4100"),
            ("Gateway:Cluster:FailureDetector:HeartbeatInterval", "00:00:01"), ("Gateway:Cluster:FailureDetector:AcceptableHeartbeatPause", "00:00:03")), errors);
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)), (relaxed.HeartbeatInterval, relaxed.AcceptableHeartbeatPause));
        Assert.Empty(errors);
        Assert.True(ReceiverClusterSettings.Read(Config(
            ("Gateway:Cluster:Hostname", "10.0.0.1"), ("Gateway:Cluster:SeedNodes:0", "10.0.0.1:4100"), ("Gateway:Cluster:ShardBundles", "true")), errors).ShardBundles);

        settings = ReceiverClusterSettings.Read(Config(
            ("Gateway:Cluster:Hostname", "0.0.0.0"),
            ("Gateway:Cluster:PublicHostname", "192.0.2.7"),
            ("Gateway:Cluster:SeedNodes", "192.0.2.7:4053, 192.0.2.8:4053")), errors);
        Assert.Empty(errors);
        Assert.Equal(2, settings.SeedNodes.Count);
        Assert.Equal("akka.tcp://gateway@192.0.2.7:4053", settings.SelfAddress);
    }

    [Theory]
    [InlineData("Gateway:Cluster:SeedNodes:0", "node1", "Gateway:Cluster:SeedNodes: 'node1'")]
    [InlineData("Gateway:Cluster:SeedNodes:0", "akka.tcp://other@node1:4053", "Gateway:Cluster:SeedNodes: 'akka.tcp://other@node1:4053'")]
    [InlineData("Gateway:Cluster:SeedNodes:0", "fd00::1:4053", "Gateway:Cluster:SeedNodes: 'fd00::1:4053'")]
    [InlineData("Gateway:Cluster:Port", "70000", "Gateway:Cluster:Port: '70000'")]
    [InlineData("Gateway:Cluster:SplitBrain:Strategy", "down-all", "Gateway:Cluster:SplitBrain:Strategy: 'down-all'")]
    [InlineData("Gateway:Cluster:SplitBrain:Strategy", "static-quorum", "Gateway:Cluster:SplitBrain:QuorumSize: static-quorum needs it")]
    [InlineData("Gateway:Cluster:SplitBrain:StableAfter", "soon", "Gateway:Cluster:SplitBrain:StableAfter: 'soon'")]
    [InlineData("Gateway:Cluster:FailureDetector:HeartbeatInterval", "0", "Gateway:Cluster:FailureDetector:HeartbeatInterval: '0' is not a duration")]
    [InlineData("Gateway:Cluster:FailureDetector:AcceptableHeartbeatPause", "3s", "Gateway:Cluster:FailureDetector:AcceptableHeartbeatPause: '3s'")]
    [InlineData("Gateway:Cluster:Hostname", "0.0.0.0", "Gateway:Cluster:PublicHostname: needed")]
    [InlineData("Gateway:Cluster:ShardBundles", "yes", "Gateway:Cluster:ShardBundles: 'yes' is neither true nor false")]
    public void Errors_name_the_key(string key, string value, string expected)
    {
        var values = new List<(string, string)> { (key, value) };
        if (!key.EndsWith(":Hostname", StringComparison.Ordinal))
            values.Add(("Gateway:Cluster:Hostname", "127.0.0.1"));
        if (!key.StartsWith("Gateway:Cluster:SeedNodes", StringComparison.Ordinal))
            values.Add(("Gateway:Cluster:SeedNodes:0", "127.0.0.1:4053"));
        var errors = new List<string>();
        ReceiverClusterSettings.Read(Config([.. values]), errors);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }
}
