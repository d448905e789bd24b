using Akka.Actor;
using Akka.Event;
using Gateway.Core.Ppp.Multilink;

namespace Gateway.Core.Actors;

/// <summary>
/// The receiver's peer addresses in a cluster (issue 14, docs/CONFIG.md): with an address book
/// (<see cref="UseAddressBook"/>, the cluster's replicated leases) a new bundle takes the address its gateway had
/// anywhere in the cluster, or one that no other node's gateway holds (<see cref="AddressLeases"/>), and every bundle
/// that starts or stops is told to the book. Without one (a receiver alone), the first free address, as before.
/// </summary>
public sealed partial class ReceiverActor
{
    private readonly AddressLeases leases = new();
    private readonly HashSet<(int Address, string Other)> reportedConflicts = [];
    private IActorRef? addressBook;
    private string? node;

    /// <summary>
    /// The cluster's address book of this node introduces itself, with this node's cluster address and the leases it
    /// knows; it says so again now and then, so that a receiver that was restarted (and forgot it) finds it again.
    /// </summary>
    public sealed record UseAddressBook(IActorRef Book, string Node, IReadOnlyDictionary<string, AddressLease> Leases);

    /// <summary>
    /// This node is the <paramref name="Index"/>th of the <paramref name="Of"/> receiver nodes that are up (by address): its
    /// share of the addresses is tried first (<see cref="AddressLeases.Stripe"/>). Told at each change of membership.
    /// </summary>
    public sealed record AddressStripe(int Index, int Of);

    /// <summary>The cluster's leases by bundle identity, as replicated to this node (whole, at most every 250 ms while they change).</summary>
    public sealed record ClusterLeases(IReadOnlyDictionary<string, AddressLease> All);

    /// <summary>To the address book: this node's bundle of <paramref name="Identity"/> holds (or held, not <paramref name="Live"/>) peer address <paramref name="Address"/>.</summary>
    public sealed record LeaseChanged(string Identity, int Address, bool Live);

    private void ReceiveLeases()
    {
        Receive<UseAddressBook>(u =>
        {
            bool first = addressBook is null;
            addressBook = u.Book;
            node = u.Node;
            leases.Replace(u.Leases);
            if (first)
            {
                foreach (var (identity, address) in bundles.Held)
                    addressBook.Tell(new LeaseChanged(identity.ToString(), address, Live: true));
            }
            ReportConflicts();
        });
        Receive<AddressStripe>(s => leases.UseStripe(s.Index, s.Of));
        Receive<ClusterLeases>(l =>
        {
            leases.Replace(l.All);
            ReportConflicts();
        });
    }

    /// <summary>The peer address (an index into <c>set ifaddr</c>'s range) for a new bundle of <paramref name="identity"/>, or -1.</summary>
    private int ChooseAddress(BundleIdentity identity) =>
        addressBook is null ? bundles.FreeAddress() : leases.Choose(identity.ToString(), options.PeerAddresses.Count, bundles.IsFree);

    private void LeaseTaken(BundleIdentity identity, int address, bool live) =>
        addressBook?.Tell(new LeaseChanged(identity.ToString(), address, live));

    private void ReportConflicts()
    {
        foreach (var (address, identity, other, otherNode) in leases.Conflicts(node!))
        {
            if (reportedConflicts.Add((address, other)))
            {
                log.Error("receiver: peer address {0} is held by {1} here and by {2} on {3}: two nodes chose it at the same moment; " +
                    "one of the two gateways must reconnect (docs/CONFIG.md, receiver cluster)", options.PeerAddresses[address], identity, other, otherNode);
            }
        }
    }
}
