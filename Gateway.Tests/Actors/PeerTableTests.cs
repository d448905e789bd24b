using System.Net;
using Gateway.Core.Actors;
using Gateway.Core.Transport;

namespace Gateway.Tests.Actors;

/// <summary>The receiver's admission, pure: whose place a newcomer takes, which addresses are known (docs/DESIGN.md, "receiver admission").</summary>
public class PeerTableTests
{
    private static IPEndPoint At(string address, int port) => new(IPAddress.Parse(address), port);

    [Fact]
    public void A_full_table_gives_the_oldest_half_open_strangers_place_to_a_newcomer_and_never_an_authenticated_peers()
    {
        var table = new PeerTable<string>(3);
        table.Add(At("127.0.0.1", 1), "authenticated", known: false);
        table.Add(At("127.0.2.1", 1), "oldest", known: false);
        table.Add(At("127.0.2.1", 2), "younger", known: false);
        Assert.Equal(At("127.0.0.1", 1), table.Authenticated("authenticated"));
        Assert.Null(table.Authenticated("authenticated"));                 // once only

        Assert.True(table.MakeRoom(newcomerKnown: false, out var first));
        Assert.Equal("oldest", first);
        table.Add(At("127.0.2.1", 3), "newcomer", known: false);
        Assert.True(table.MakeRoom(newcomerKnown: false, out var second));
        Assert.Equal("younger", second);
        table.Add(At("127.0.2.1", 4), "another", known: false);
        Assert.Equal(3, table.Count);
        Assert.False(table.Contains(At("127.0.2.1", 1)));
        Assert.True(table.IsLeaving(At("127.0.2.1", 1)));                 // no newcomer there until it has stopped
        Assert.Equal((At("127.0.0.1", 1), true), table.Remove("authenticated"));
        Assert.Null(table.Remove("oldest"));                                // evicted: out of the table already ...
        Assert.False(table.IsLeaving(At("127.0.2.1", 1)));                // ... and now stopped
    }

    [Fact]
    public void A_stranger_never_displaces_a_half_open_peer_from_a_known_address_but_a_known_newcomer_does()
    {
        var table = new PeerTable<string>(2);
        table.Add(At("127.0.0.1", 1), "authenticated", known: true);
        table.Authenticated("authenticated");
        table.Add(At("127.0.0.1", 2), "redialled", known: true);

        Assert.False(table.MakeRoom(newcomerKnown: false, out var none));
        Assert.Null(none);
        Assert.True(table.MakeRoom(newcomerKnown: true, out var evicted));
        Assert.Equal("redialled", evicted);
        Assert.Equal(0, table.HalfOpen);
    }

    [Fact]
    public void An_address_stays_known_while_it_carries_an_authenticated_sublink_and_for_the_lifetime_after()
    {
        var hour = TimeSpan.FromHours(1);
        var known = new KnownSourceAddresses(hour, capacity: 2);
        var gateway = IPAddress.Parse("127.0.0.1");
        Assert.True(known.Authenticated(gateway));
        Assert.False(known.Authenticated(gateway));                         // a second sublink: no change to publish
        known.Ended(gateway, TimeSpan.FromMinutes(1));
        Assert.False(known.Expire(TimeSpan.FromMinutes(1) + hour));        // one sublink still up
        known.Ended(gateway, TimeSpan.FromMinutes(2));
        Assert.False(known.Expire(TimeSpan.FromMinutes(2) + hour - TimeSpan.FromMilliseconds(1)));
        Assert.True(known.Expire(TimeSpan.FromMinutes(2) + hour));
        Assert.Equal(0, known.Count);

        // Full: the longest idle address makes room, a live one never does.
        Assert.True(known.Authenticated(IPAddress.Parse("192.0.2.1")));
        Assert.True(known.Authenticated(IPAddress.Parse("192.0.2.2")));
        Assert.False(known.Authenticated(IPAddress.Parse("192.0.2.3")));
        known.Ended(IPAddress.Parse("192.0.2.2"), TimeSpan.Zero);
        Assert.True(known.Authenticated(IPAddress.Parse("192.0.2.3")));
        Assert.Equal(["192.0.2.1", "192.0.2.3"], known.Addresses.Select(a => a.ToString()).Order());
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("127.0.0.1", "127.0.2.1", false)]
    [InlineData("2001:db8::1", "2001:db8::1", true)]
    [InlineData("2001:db8::1", "2001:db8::2", false)]
    public void A_source_address_set_matches_a_senders_address_whatever_its_port(string listed, string sender, bool expected)
    {
        var set = new SourceAddressSet();
        set.Replace([IPAddress.Parse(listed)]);
        Assert.Equal(expected, set.Contains(new IPEndPoint(IPAddress.Parse(sender), 40_000).Serialize()));
        Assert.Equal(expected, set.Contains(new IPEndPoint(IPAddress.Parse(sender), 1).Serialize()));
    }
}
