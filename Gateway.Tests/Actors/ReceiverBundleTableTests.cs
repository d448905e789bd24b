using Gateway.Core.Actors;
using Gateway.Core.Ppp.Multilink;
using Table = Gateway.Core.Actors.ReceiverBundleTable<string, string>;

namespace Gateway.Tests.Actors;

/// <summary>
/// The receiver's bundles and their sublinks (<see cref="ReceiverBundleTable{TRef, TPending}"/>): a bundle stops when
/// the last sublink handed to it ends, keeps its address until it has stopped, and a sublink of its identity that
/// comes up in between waits for it instead of being handed to a bundle that is going away.
/// </summary>
public sealed class ReceiverBundleTableTests
{
    private static readonly BundleIdentity Vpn = new("vpnname", EndpointDiscriminator.None);
    private static readonly BundleIdentity Other = new("othername", EndpointDiscriminator.None);

    private static void Create(Table table, BundleIdentity identity, string sublink, string bundle, string name)
    {
        Assert.Equal(Table.Placement.Create, table.Adopt(identity, sublink, sublink + "-up", out _));
        int address = table.FreeAddress();
        Assert.True(address >= 0);
        table.Add(identity, bundle, address, name, sublink);
    }

    [Fact]
    public void Sublinks_of_one_identity_join_one_bundle_which_stops_when_the_last_one_ends()
    {
        var table = new Table(1);
        Create(table, Vpn, "s1", "bundle-1", "vpn-in-1");
        Assert.Equal(Table.Placement.Join, table.Adopt(new BundleIdentity("vpnname", EndpointDiscriminator.None), "s2", "s2-up", out var bundle));
        Assert.Equal("bundle-1", bundle);
        Assert.True(table.TryNamed("vpn-in-1", out var named));
        Assert.Equal("bundle-1", named);

        Assert.Null(table.SublinkEnded("s1"));
        Assert.Equal("bundle-1", table.SublinkEnded("s2"));
        Assert.Null(table.SublinkEnded("s2")); // told twice, stopped once
        Assert.True(table.BundleStopped("bundle-1", out var waiting));
        Assert.Empty(waiting);
        Assert.Equal(0, table.Count);
        Assert.False(table.TryNamed("vpn-in-1", out _));
    }

    [Fact]
    public void A_sublink_that_comes_up_while_its_bundle_stops_waits_and_forms_the_next_bundle_on_the_same_address()
    {
        var table = new Table(1); // the seed's `set ifaddr 10.0.0.1 10.0.0.2`: one peer address
        Create(table, Vpn, "s1", "bundle-1", "vpn-in-1");
        Assert.Equal("bundle-1", table.SublinkEnded("s1"));

        // The gateway redialled at once: its sublink authenticated before the old bundle has stopped. Handing it to
        // the stopping bundle would lose it; there is no address for a second bundle either.
        Assert.Equal(Table.Placement.Wait, table.Adopt(Vpn, "s2", "s2-up", out var bundle));
        Assert.Null(bundle);
        Assert.Equal(-1, table.FreeAddress());
        Assert.Equal(Table.Placement.Wait, table.Adopt(Vpn, "s3", "s3-up", out _));

        Assert.True(table.BundleStopped("bundle-1", out var waiting));
        Assert.Equal(["s2-up", "s3-up"], waiting);
        Assert.Equal(0, table.FreeAddress());
        Create(table, Vpn, "s2", "bundle-2", "vpn-in-2");
        Assert.Equal(Table.Placement.Join, table.Adopt(Vpn, "s3", "s3-up", out bundle));
        Assert.Equal("bundle-2", bundle);
    }

    [Fact]
    public void A_waiting_sublink_that_ends_is_not_handed_over()
    {
        var table = new Table(1);
        Create(table, Vpn, "s1", "bundle-1", "vpn-in-1");
        Assert.Equal("bundle-1", table.SublinkEnded("s1"));
        Assert.Equal(Table.Placement.Wait, table.Adopt(Vpn, "s2", "s2-up", out _));
        Assert.Equal(Table.Placement.Wait, table.Adopt(Vpn, "s3", "s3-up", out _));
        Assert.Null(table.SublinkEnded("s2"));
        Assert.True(table.BundleStopped("bundle-1", out var waiting));
        Assert.Equal(["s3-up"], waiting);
    }

    [Fact]
    public void A_sublink_that_authenticates_again_is_counted_once()
    {
        var table = new Table(2);
        Create(table, Vpn, "s1", "bundle-1", "vpn-in-1");
        Assert.Null(table.Rejoining("s1", Vpn));
        Assert.Equal(Table.Placement.Join, table.Adopt(Vpn, "s1", "s1-up-again", out _));
        Assert.Equal("bundle-1", table.SublinkEnded("s1"));
    }

    [Fact]
    public void A_sublink_that_authenticates_again_as_another_identity_leaves_its_bundle()
    {
        var table = new Table(2);
        Create(table, Vpn, "s1", "bundle-1", "vpn-in-1");
        Assert.Equal("bundle-1", table.Rejoining("s1", Other));
        Create(table, Other, "s1", "bundle-2", "vpn-in-2");
        Assert.Equal(-1, table.FreeAddress()); // bundle-1 holds address 0 until it has stopped
        Assert.True(table.BundleStopped("bundle-1", out _));
        Assert.Equal(0, table.FreeAddress());
        Assert.Equal("bundle-2", table.SublinkEnded("s1"));
    }

    [Fact]
    public void Addresses_are_held_until_the_bundle_has_stopped_and_run_out()
    {
        var table = new Table(2);
        Create(table, Vpn, "s1", "bundle-1", "vpn-in-1");
        Create(table, Other, "s2", "bundle-2", "vpn-in-2");
        Assert.Equal(-1, table.FreeAddress());
        Assert.Equal("bundle-1", table.SublinkEnded("s1"));
        Assert.Equal(-1, table.FreeAddress());
        Assert.True(table.BundleStopped("bundle-1", out _));
        Assert.Equal(0, table.FreeAddress());
        Assert.False(table.BundleStopped("bundle-1", out _));
        Assert.Throws<InvalidOperationException>(() => table.Add(Other, "bundle-3", 0, "vpn-in-3", "s3"));
    }
}
