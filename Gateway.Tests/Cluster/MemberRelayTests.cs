using System.Collections.Concurrent;
using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Cluster;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Framing;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Status;
using Gateway.Core.Transport;
using Gateway.Tests.Actors.VirtualTime;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Tests.Cluster;

/// <summary>
/// Issue 14, a bundle's member link on another node: two actor systems joined by Akka.Remote over loopback TCP, the
/// bundle on one, the sublink and its <see cref="MemberRelay"/> on the other; everything between them crosses the
/// socket through <see cref="MemberRelaySerializer"/>.
/// </summary>
public sealed class MemberRelayTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private ActorSystem sublinkNode = null!;
    private ActorSystem bundleNode = null!;

    private static Akka.Configuration.Config Remote() => LoopbackNode.Config("remote");

    public Task InitializeAsync()
    {
        sublinkNode = ActorSystem.Create("gateway", Remote());
        bundleNode = ActorSystem.Create("gateway", Remote());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await sublinkNode.Terminate();
        await bundleNode.Terminate();
    }

    [Fact]
    public async Task A_sublink_on_one_node_joins_a_bundle_on_another_and_fragments_cross_both_ways()
    {
        var bundleHere = InMemoryMembers.ReceiverBundle(bundleNode, "vpn-in-1");
        var bundleThere = await sublinkNode.ActorSelection(new RootActorPath(Address(bundleNode)) / "user" / "vpn-in-1").ResolveOne(Timeout);
        Assert.False(bundleThere.Path.Address.HasLocalScope); // the sublink's node reaches it over the socket

        var sent = new BlockingCollection<byte[]>();
        var sublink = new Akka.TestKit.Xunit2.TestKit(sublinkNode);
        var probe = sublink.CreateTestProbe();
        var link = FarBundle.Link with
        {
            PeerEndpointDiscriminator = EndpointDiscriminator.TryCreateLabel("vpn", out var disc, out _) ? disc : null,
        };
        var path = new MemberDataPath(new Capturing(sent), PppHeaderCompression.None, link.PeerMru, _ => { });
        var relay = sublinkNode.ActorOf(MemberRelay.Props(new SublinkUp("127.0.0.1:40001", probe.Ref, link, "vpnname", null, path), bundleThere));

        // The bundle takes the relay as its member link, and tells the sublink (through the relay) that it joined.
        var joined = probe.ExpectMsg<JoinedBundle>(Timeout);
        Assert.Equal((relay, "vpn-in-1"), (joined.Bundle, joined.BundleName));
        var status = await WaitForAsync(bundleHere, s => s.Members.Count == 1);
        Assert.Equal(["127.0.0.1:40001"], status.Members);

        // What the bundle sends (its IPCP starts as the first member joins) leaves on the sublink's own data path,
        // framed there as a Multilink frame.
        Assert.True(sent.TryTake(out var frame, Timeout), "nothing sent on the sublink");
        Assert.Equal(PppHeaderStatus.Ok, PppHeader.TryRead(frame, out var header));
        Assert.Equal((ushort)PppProtocol.Multilink, header.Protocol);

        // A fragment the sublink's socket read reaches the bundle's reassembler on the other node.
        long before = status.Reassembly.PacketsReassembled;
        relay.Tell(new FragmentIn(probe.Ref, WholePacketFragment(sequence: 0, [0x45, 0, 0, 20])));
        await WaitForAsync(bundleHere, s => s.Reassembly.PacketsReassembled > before);

        // The sublink stops: its relay stops with it, and the bundle, which watched the relay, takes the member out.
        sublinkNode.Stop(probe.Ref);
        await WaitForAsync(bundleHere, s => s.Members.Count == 0);
    }

    [Fact]
    public void A_relay_whose_bundle_went_drops_what_the_sublink_reads_asks_again_until_a_bundle_answers_and_tells_it_how_far_the_peer_got()
    {
        var kit = new Akka.TestKit.Xunit2.TestKit(sublinkNode);
        var (region, sublink, first, second) = (kit.CreateTestProbe(), kit.CreateTestProbe(), kit.CreateTestProbe(), kit.CreateTestProbe());
        var sent = new BlockingCollection<byte[]>();
        var link = FarBundle.Link;
        var path = new MemberDataPath(new Capturing(sent), PppHeaderCompression.None, link.PeerMru, _ => { });
        var relay = sublinkNode.ActorOf(MemberRelay.Props(new SublinkUp("127.0.0.1:40002", sublink.Ref, link, "vpnname", null, path), region.Ref));

        // It asks (here the region is a probe that answers as the bundle would), and keeps asking until answered.
        Assert.Equal(-1, region.ExpectMsg<RemoteSublinkUp>(Timeout).NextSequence);
        Assert.Equal(relay, region.ExpectMsg<RemoteSublinkUp>(Timeout).Relay);
        relay.Tell(new JoinedBundle(first.Ref, "vpn-in-1", 0, 1));
        Assert.Equal(relay, sublink.ExpectMsg<JoinedBundle>(Timeout).Bundle);

        // The bundle sends number 41 through it, and says later that it has numbered up to 30 (behind: kept at 42).
        relay.Tell(new RelayedFragment(WholePacketFragment(sequence: 41, [0x45, 0, 0, 20])));
        Assert.True(sent.TryTake(out _, Timeout));
        relay.Tell(new BundleNumbering(30));

        // The bundle's node goes: what the sublink reads meanwhile is dropped (each packet given back to its lane, no
        // restart), and the relay asks for the bundle again with the number the peer expects next, until one answers.
        sublinkNode.Stop(first.Ref);
        var again = region.FishForMessage<RemoteSublinkUp>(u => u.NextSequence >= 0, Timeout);
        Assert.Equal(42, again.NextSequence);
        var lane = new PacketLane(4);
        relay.Tell(lane.TryRent(WholePacketFragment(sequence: 7, [0x45]))!);
        kit.AwaitCondition(() => lane.InFlight == 0, Timeout);
        Assert.Equal(42, region.ExpectMsg<RemoteSublinkUp>(Timeout).NextSequence); // asks on: it did not restart
        relay.Tell(new JoinedBundle(second.Ref, "vpn-in-1", 0, 2));
        Assert.Equal(relay, sublink.ExpectMsg<JoinedBundle>(Timeout).Bundle);
        // The new bundle is on the relay's own node: it takes the sublink's packet itself, no copy.
        var eighth = lane.TryRent(WholePacketFragment(sequence: 8, [0x45]))!;
        relay.Tell(eighth);
        Assert.Same(eighth, second.ExpectMsg<Packet>(Timeout));
        Assert.Equal(1, lane.InFlight);  // the bundle's to give back
        eighth.Release();

        // A bundle that has numbered further tells it so: the next request would carry that.
        relay.Tell(new BundleNumbering(5000));
        sublinkNode.Stop(second.Ref);
        Assert.Equal(5000, region.FishForMessage<RemoteSublinkUp>(u => u.NextSequence != 42, Timeout).NextSequence);
    }

    [Fact]
    public void A_relay_whose_bundle_leaves_with_its_node_asks_for_it_again_only_once_that_node_has_gone()
    {
        var kit = new Akka.TestKit.Xunit2.TestKit(sublinkNode);
        var (region, sublink, first, leavingNode) = (kit.CreateTestProbe(), kit.CreateTestProbe(), kit.CreateTestProbe(), kit.CreateTestProbe());
        var link = FarBundle.Link;
        var path = new MemberDataPath(new Capturing(new BlockingCollection<byte[]>()), PppHeaderCompression.None, link.PeerMru, _ => { });
        var relay = sublinkNode.ActorOf(MemberRelay.Props(new SublinkUp("127.0.0.1:40004", sublink.Ref, link, "vpnname", null, path), region.Ref));
        region.ExpectMsg<RemoteSublinkUp>(Timeout);
        relay.Tell(new JoinedBundle(first.Ref, "vpn-in-1", 0, 1));
        sublink.ExpectMsg<JoinedBundle>(Timeout);
        relay.Tell(new BundleNumbering(77));

        // The bundle's node leaves the cluster: the bundle says so, then stops. A relay that asked now would have the
        // departing node's shard coordinator place the bundle; it asks nothing, and says nothing, until the node has gone.
        relay.Tell(new BundleMoving(leavingNode.Ref));
        sublinkNode.Stop(first.Ref);
        relay.Tell(new MemberLate(sublink.Ref, TimeSpan.FromMilliseconds(90), TimeSpan.FromMilliseconds(40)));
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(3 * MemberRelay.AskPeriod.TotalMilliseconds));
        sublinkNode.Stop(leavingNode.Ref);
        var again = region.ExpectMsg<RemoteSublinkUp>(Timeout);
        Assert.Equal((relay, 77L), (again.Relay, again.NextSequence));
        Assert.Equal(relay, region.ExpectMsg<RemoteSublinkUp>(Timeout).Relay); // and on, until a bundle answers
    }

    [Fact]
    public async Task A_bundle_on_the_relays_own_node_reassembles_the_sublinks_packets_handed_over_as_they_are()
    {
        var bundle = InMemoryMembers.ReceiverBundle(sublinkNode, "vpn-in-3");
        var kit = new Akka.TestKit.Xunit2.TestKit(sublinkNode);
        var sublink = kit.CreateTestProbe();
        var path = new MemberDataPath(new Capturing(new BlockingCollection<byte[]>()), PppHeaderCompression.None, FarBundle.Link.PeerMru, _ => { });
        var relay = sublinkNode.ActorOf(MemberRelay.Props(new SublinkUp("127.0.0.1:40005", sublink.Ref, FarBundle.Link, "vpnname", null, path), bundle));
        var joined = sublink.FishForMessage<JoinedBundle>(_ => true, Timeout);
        long before = (await WaitForAsync(bundle, s => s.Members.Count == 1)).Reassembly.PacketsReassembled;

        // As the sublink's socket hands a Multilink frame to what it joined (the relay): stamped with the member's
        // index and key, which the relay passed on from the bundle.
        var lane = new PacketLane(4);
        var packet = lane.TryRent(WholePacketFragment(sequence: 0, [0x45, 0, 0, 20]))!;
        (packet.Tag, packet.Source, packet.Address) = (SublinkInbound.Fragment, joined.Index, (uint)joined.Key);
        relay.Tell(packet);
        await WaitForAsync(bundle, s => s.Reassembly.PacketsReassembled > before);
        kit.AwaitCondition(() => lane.InFlight == 0, Timeout);
    }

    [Fact]
    public void A_relay_that_the_cluster_gives_no_bundle_refuses_its_sublink_so_that_the_gateway_redials_and_one_that_gets_one_does_not()
    {
        // A node cut off from the shard coordinator (downed, left alone) places no bundle: the relay asks on, and after
        // its limit refuses the sublink, which closes, so that the gateway redials (the next receiver of its list).
        var kit = new Akka.TestKit.Xunit2.TestKit(sublinkNode);
        var (region, sublink, bundle) = (kit.CreateTestProbe(), kit.CreateTestProbe(), kit.CreateTestProbe());
        var path = new MemberDataPath(new Capturing(new BlockingCollection<byte[]>()), PppHeaderCompression.None, FarBundle.Link.PeerMru, _ => { });
        var limit = TimeSpan.FromMilliseconds(600);
        sublinkNode.ActorOf(MemberRelay.Props(new SublinkUp("127.0.0.1:40006", sublink.Ref, FarBundle.Link, "vpnname", null, path), region.Ref, withoutBundleLimit: limit));
        Assert.Contains("no bundle", sublink.FishForMessage<Refused>(_ => true, Timeout).Reason);

        // One whose bundle answers, then goes and forms again within the limit, keeps its sublink.
        var other = kit.CreateTestProbe();
        var relay = sublinkNode.ActorOf(MemberRelay.Props(new SublinkUp("127.0.0.1:40007", other.Ref, FarBundle.Link, "vpnname", null, path), region.Ref, withoutBundleLimit: limit));
        region.FishForMessage<RemoteSublinkUp>(u => u.Relay.Equals(relay), Timeout);
        relay.Tell(new JoinedBundle(bundle.Ref, "vpn-in-1", 0, 1));
        other.ExpectMsg<JoinedBundle>(Timeout);
        sublinkNode.Stop(bundle.Ref);
        region.FishForMessage<RemoteSublinkUp>(u => u.Relay.Equals(relay), Timeout);   // asked again: its bundle went
        relay.Tell(new JoinedBundle(kit.CreateTestProbe().Ref, "vpn-in-1", 0, 2));
        other.ExpectMsg<JoinedBundle>(Timeout);
        other.ExpectNoMsg(limit * 2);
    }

    [Fact]
    public async Task A_member_that_says_it_is_up_again_is_told_again_that_it_joined_and_hears_how_far_its_bundle_numbered()
    {
        // A relay asks until its bundle answers, so a bundle may hear its request twice (issue 14).
        var bundle = InMemoryMembers.ReceiverBundle(bundleNode, "vpn-in-2");
        var kit = new Akka.TestKit.Xunit2.TestKit(bundleNode);
        var relay = kit.CreateTestProbe();
        var up = new RemoteSublinkUp("127.0.0.1:40003", relay.Ref, FarBundle.Link, "vpnname", null);
        bundle.Tell(up);
        var joined = relay.FishForMessage<JoinedBundle>(_ => true, Timeout);
        bundle.Tell(up);
        var again = relay.FishForMessage<JoinedBundle>(_ => true, Timeout);
        Assert.Equal((joined.Index, joined.Key), (again.Index, again.Key));
        Assert.Single((await WaitForAsync(bundle, s => s.Members.Count >= 1)).Members);

        // It has sent on the member (its NCPs' first requests): it tells the relay how far it has numbered, so that a
        // bundle formed again elsewhere can number on past it.
        var sent = relay.FishForMessage<RelayedFragment>(_ => true, Timeout);
        Assert.Equal(MpHeaderStatus.Ok, MpHeaderCodec.TryRead(sent.Fragment, MpSequenceFormat.Long, out var header, out _));
        var numbering = relay.FishForMessage<BundleNumbering>(_ => true, Timeout);
        Assert.True(numbering.NextSequence > header.Sequence, $"numbered to {numbering.NextSequence}, sent {header.Sequence}");
    }

    [Fact]
    public void Every_relay_message_reads_back_as_it_was_written_and_bad_bytes_are_a_serialization_error()
    {
        var serializer = new MemberRelaySerializer((ExtendedActorSystem)sublinkNode);
        var someone = sublinkNode.DeadLetters;
        var link = new LcpNegotiated
        {
            PeerMru = 1506, LocalMru = 1400, SendAccm = 7, ReceiveAccm = 9, AuthenticatePeer = LcpAuthentication.ChapMd5,
            SendPfc = true, ReceiveAcfc = true, LocalMagic = 0x11223344, PeerMagic = 0x55667788, PeerMrru = 1500, LocalMrru = 1600,
            ReceiveShortSequence = true, SendLqrPeriod = 100,
            PeerEndpointDiscriminator = EndpointDiscriminator.TryCreateLabel("vpn", out var d, out _) ? d : null,
        };
        object[] messages =
        [
            new RemoteSublinkUp("1", someone, link, "vpnname", "127.0.0.1:4000", Address: 5, NextSequence: 0xABCDEF),
            new SublinkDown("1", someone, "keepalive"),
            new MemberUnreachable(someone, "ICMP"),
            new MemberReachable(someone),
            new MemberLate(someone, TimeSpan.FromMilliseconds(120), TimeSpan.FromMilliseconds(55)),
            new MemberOnTime(someone, TimeSpan.FromMilliseconds(3), InTime: true),
            new MemberRejectedProtocol(someone, PppProtocol.Ipcp),
            new BundleNumbering(0xFFFFFF),
            new JoinedBundle(someone, "vpn-in-1", 3, 77),
            new Refused("full"),
            new BundleMoving(someone),
        ];
        foreach (var message in messages)
        {
            Assert.Equal(message, serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message)));
            var envelope = new ForBundle("vpnname/label:76706E", message);
            Assert.Equal(envelope, serializer.FromBinary(serializer.ToBinary(envelope), "for"));
        }
        var fragment = (FragmentIn)serializer.FromBinary(serializer.ToBinary(new FragmentIn(someone, [1, 2, 3])), "in");
        Assert.Equal([1, 2, 3], fragment.Fragment);
        Assert.Equal([9, 8], ((RelayedFragment)serializer.FromBinary(serializer.ToBinary(new RelayedFragment([9, 8])), "out")).Fragment);
        var direct = (DirectIn)serializer.FromBinary(serializer.ToBinary(new DirectIn(someone, 0x0021, [4])), "direct");
        Assert.Equal(0x0021, direct.Protocol);
        Assert.Equal([4], direct.Information);

        // Truncated, a length past the end, an unknown kind: an error Akka.Remote logs and drops, never a crash.
        var up = serializer.ToBinary(messages[0]);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary(up[..^3], "up"));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([0xFF, 0xFF, 0xFF, 0x7F], "out"));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([], "nonsense"));
        var nested = serializer.ToBinary(new ForBundle("a", new ForBundle("b", new Refused("x"))));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary(nested, "for"));
    }

    private static Address Address(ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress;

    private async Task<BundleStatus> WaitForAsync(IActorRef bundle, Func<BundleStatus, bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var status = await bundle.Ask<BundleStatus>(GetBundleStatus.Instance, Timeout);
            if (condition(status))
                return status;
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException("the bundle's status never met the condition");
            await Task.Delay(10);
        }
    }

    /// <summary>An RFC 1990 long-sequence fragment with B and E set: one whole packet (protocol IP, then <paramref name="body"/>).</summary>
    private static byte[] WholePacketFragment(uint sequence, byte[] body) =>
        [0xC0, (byte)(sequence >> 16), (byte)(sequence >> 8), (byte)sequence, 0x00, 0x21, .. body];

    private sealed class Capturing(BlockingCollection<byte[]> sent) : ISublinkTransport
    {
        public string Description => "captured";

        public bool Send(ReadOnlySpan<byte> datagram)
        {
            sent.Add(datagram.ToArray());
            return true;
        }

        public void Dispose()
        {
        }
    }
}
