using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Gateway.Core.Actors;
using Gateway.Web.Cluster;

namespace Gateway.Tests.Cluster;

/// <summary>How the address book writes a lease into the replicated dictionary and reads the dictionary back.</summary>
public sealed class ClusterAddressBookTests
{
    [Fact]
    public void Leases_read_back_as_they_were_written_and_a_malformed_entry_is_left_out()
    {
        const string node = "akka.tcp://gateway@[::1]:4053";
        var writer = new UniqueAddress(new Address("akka.tcp", "gateway", "127.0.0.1", 4053), 1);
        var data = LWWDictionary<string, string>.Empty
            .SetItem(writer, "vpnname/label vpn", ClusterAddressBook.Format(12, live: true, node))
            .SetItem(writer, "other/none", ClusterAddressBook.Format(0, live: false, node))
            .SetItem(writer, "broken", "12 maybe " + node)
            .SetItem(writer, "short", "12");

        var leases = ClusterAddressBook.Parse(data);

        Assert.Equal(2, leases.Count);
        Assert.Equal(new AddressLease(12, node, Live: true), leases["vpnname/label vpn"]);
        Assert.Equal(new AddressLease(0, node, Live: false), leases["other/none"]);
    }
}
