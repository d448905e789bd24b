using System.Net;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Ipv6cp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;

namespace Gateway.Tests.Ppp.Multilink;

/// <summary>
/// Two bundles back to back, each over N member sessions (sync framing, CHAP), on one virtual clock: the whole
/// RFC 1990 path of PppSession in member mode and BundleSession without sockets or actors.
/// </summary>
public class BundleSessionTests
{
    private static readonly IPAddress ReceiverAddress = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress GatewayAddress = IPAddress.Parse("192.0.2.2");

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Bundles_form_over_member_links_assign_the_address_and_carry_large_packets_both_ways(int links)
    {
        var net = new BundleNet(links);
        net.StartAll();
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);

        Assert.Equal(GatewayAddress, net.Gateway.Bundle.Network!.LocalAddress);
        Assert.Equal(ReceiverAddress, net.Gateway.Bundle.Network.PeerAddress);
        Assert.Equal(links, net.Gateway.Bundle.MemberCount);
        Assert.Equal(links, net.Receiver.Bundle.MemberCount);

        var sent = Enumerable.Range(0, 200).Select(i => Packet(i, 1400)).ToList();
        foreach (var p in sent)
            Assert.True(net.Gateway.Bundle.SendIp(p, net.Now));
        Assert.True(net.Receiver.Bundle.SendIp(Packet(999, 60), net.Now));
        net.Run(TimeSpan.FromSeconds(1));

        Assert.Equal(sent, net.Receiver.Received);
        Assert.Equal([Packet(999, 60)], net.Gateway.Received);
        for (int i = 0; i < links; i++)
            Assert.True(net.Gateway.Bundle.Fragmenter!.MemberStatistics(i).Fragments > 0, $"link {i + 1} carried nothing");
    }

    [Fact]
    public void A_member_that_leaves_mid_stream_does_not_stall_the_bundle()
    {
        var net = new BundleNet(3);
        net.StartAll();
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);

        for (int i = 0; i < 50; i++)
            net.Gateway.Bundle.SendIp(Packet(i, 1400), net.Now);
        // Link 1 dies hard in both directions: whatever it had in flight is lost.
        net.Cut(1);
        net.Gateway.Members[1].Session.LowerDown("socket closed");
        net.Receiver.Members[1].Session.LowerDown("peer went silent");
        for (int i = 50; i < 100; i++)
            net.Gateway.Bundle.SendIp(Packet(i, 1400), net.Now);
        net.Run(TimeSpan.FromSeconds(1));

        Assert.Equal(2, net.Gateway.Bundle.MemberCount);
        Assert.NotNull(net.Receiver.Bundle.Network);
        // Everything sent after the link left arrives, in order, with nothing duplicated.
        var tail = net.Receiver.Received.Where(p => p[4] >= 50).ToList();
        Assert.Equal(Enumerable.Range(50, 50).Select(i => Packet(i, 1400)), tail);
        Assert.Equal(net.Receiver.Received.Distinct(new BytesComparer()).Count(), net.Receiver.Received.Count);
    }

    [Fact]
    public void A_suspended_member_is_sent_nothing_yet_stays_in_the_bundle_and_carries_again_once_resumed()
    {
        var net = new BundleNet(3);
        net.StartAll();
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);
        var fragmenter = net.Gateway.Bundle.Fragmenter!;

        // Its socket said the peer is unreachable; the keepalive has not decided: it stays a member, gets nothing.
        net.Cut(1);
        Assert.True(net.Gateway.Bundle.Suspend(1));
        Assert.False(net.Gateway.Bundle.Suspend(1));
        long before = fragmenter.MemberStatistics(1).Fragments;
        for (int i = 0; i < 60; i++)
            net.Gateway.Bundle.SendIp(Packet(i, 1400), net.Now);
        net.Run(TimeSpan.FromMilliseconds(500));
        Assert.Equal(before, fragmenter.MemberStatistics(1).Fragments);
        Assert.Equal(3, net.Gateway.Bundle.MemberCount);
        Assert.Equal([1], net.Gateway.Bundle.Suspended);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => Packet(i, 1400)), net.Receiver.Received.Where(p => p[0] == 0x45));

        // It answers again: it is given its share again.
        net.Restore(1);
        Assert.True(net.Gateway.Bundle.Resume(1));
        for (int i = 60; i < 120; i++)
            net.Gateway.Bundle.SendIp(Packet(i, 1400), net.Now);
        net.Run(TimeSpan.FromMilliseconds(500));
        Assert.True(fragmenter.MemberStatistics(1).Fragments > before);
        Assert.Equal(Enumerable.Range(0, 120).Select(i => Packet(i, 1400)), net.Receiver.Received.Where(p => p[0] == 0x45));
    }

    [Fact]
    public void A_bundle_told_where_to_number_on_before_its_first_member_starts_there_and_later_only_moves_forward()
    {
        var bundle = new BundleSession(new BundleSettings(), new NullBundleHandler());
        var link = new LcpNegotiated { PeerMrru = 1500, LocalMrru = 1500 };
        bundle.NumberOnFrom(5000);                       // a relay knew the gateway took up to 4999 (issue 14)
        Assert.True(bundle.AddMember(0, link, 1000, TimeSpan.Zero, out _));
        uint first = bundle.Fragmenter!.NextSequence;    // past what the NCPs' first requests took
        Assert.InRange(first, 5000u, 5010u);
        bundle.NumberOnFrom(4000);                       // a relay that knew less changes nothing
        Assert.Equal(first, bundle.Fragmenter.NextSequence);
        bundle.NumberOnFrom(7000);                       // one that knew more moves it on
        Assert.Equal(7000u, bundle.Fragmenter.NextSequence);
    }

    [Fact]
    public void The_last_member_sending_is_never_suspended_and_a_suspended_one_takes_over_when_the_others_leave()
    {
        var bundle = new BundleSession(new BundleSettings(), new NullBundleHandler());
        var link = new LcpNegotiated { PeerMrru = 1500, LocalMrru = 1500 };
        Assert.True(bundle.AddMember(0, link, 1000, TimeSpan.Zero, out _));
        Assert.False(bundle.Suspend(0));                // the only one: suspending it would send nothing at all
        Assert.True(bundle.AddMember(1, link, 1000, TimeSpan.Zero, out _));
        Assert.True(bundle.Suspend(0));
        Assert.False(bundle.Suspend(1));                // now the last one sending
        Assert.Equal(1, bundle.Fragmenter!.ActiveMemberCount);

        bundle.RemoveMember(1, TimeSpan.Zero);          // the healthy one leaves: the doubtful one is all there is
        Assert.Empty(bundle.Suspended);
        Assert.True(bundle.Fragmenter.IsMember(0));
        Assert.False(bundle.Resume(0));
    }

    [Fact]
    public void A_paused_last_primary_hands_the_data_to_the_backup_which_hands_it_back_when_the_primary_resumes()
    {
        var bundle = new BundleSession(new BundleSettings(), new NullBundleHandler());
        var link = new LcpNegotiated { PeerMrru = 1500, LocalMrru = 1500 };
        Assert.True(bundle.AddMember(0, link, 1000, TimeSpan.Zero, out _));
        Assert.True(bundle.AddMember(1, link, 1000, TimeSpan.Zero, out _, MemberPolicy.Backup));
        Assert.Equal((true, false), (bundle.CarriesData(0), bundle.CarriesData(1)));

        Assert.True(bundle.Suspend(0));                 // its peer unreachable: the backup counts as sending
        Assert.Equal((false, true), (bundle.CarriesData(0), bundle.CarriesData(1)));
        Assert.True(bundle.Resume(0));
        Assert.Equal((true, false), (bundle.CarriesData(0), bundle.CarriesData(1)));

        Assert.True(bundle.Suspend(0));
        Assert.True(bundle.SetPolicy(0, MemberPolicy.Primary(2))); // kept while suspended ...
        Assert.True(bundle.Resume(0));
        Assert.Equal(MemberPolicy.Primary(2), bundle.PolicyOf(0)); // ... and back with it
        Assert.True(bundle.CarriesData(0));
        Assert.False(bundle.SetPolicy(5, MemberPolicy.Backup));
    }

    [Fact]
    public void With_schedule_throughput_on_paths_of_unequal_delay_the_receiver_holds_the_fast_paths_fragments_until_the_slow_path_would_have_brought_them()
    {
        var throughput = new BundleSettings { Schedule = MpSchedule.Throughput };
        var net = new BundleNet(2, receiverSettings: throughput, gatewaySettings: throughput);
        net.StartAll();
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);
        // the echo round trips the actors would pass on: link 1 10 ms, link 2 90 ms (the simulated wire itself has none)
        net.Receiver.Bundle.SetPathDelay(0, TimeSpan.FromMilliseconds(5));
        net.Receiver.Bundle.SetPathDelay(1, TimeSpan.FromMilliseconds(45));

        var sent = Enumerable.Range(0, 20).Select(i => Packet(i, 1400)).ToList();
        foreach (var p in sent)
            Assert.True(net.Gateway.Bundle.SendIp(p, net.Now));
        net.Run(TimeSpan.FromMilliseconds(39));
        // what crossed link 2 could go on at once, but the packets behind one held on link 1 wait for it, in order
        Assert.True(net.Receiver.Received.Count < sent.Count / 2, $"{net.Receiver.Received.Count} of {sent.Count} delivered before the hold ended");
        Assert.True(net.Receiver.Bundle.Equaliser!.HeldNow > 0);
        net.Run(TimeSpan.FromMilliseconds(2));
        Assert.Equal(sent, net.Receiver.Received);
        Assert.Equal(0, net.Receiver.Bundle.Equaliser.HeldNow);
        Assert.True(net.Gateway.Bundle.Fragmenter!.MemberStatistics(0).Fragments > 0 && net.Gateway.Bundle.Fragmenter.MemberStatistics(1).Fragments > 0);

        // under the default latency schedule nothing is held, whatever the delays: no equaliser
        var plain = new BundleNet(2);
        plain.StartAll();
        plain.RunUntil(() => plain.Gateway.Bundle.Network is not null && plain.Receiver.Bundle.Network is not null);
        plain.Receiver.Bundle.SetPathDelay(0, TimeSpan.FromMilliseconds(5));
        plain.Receiver.Bundle.SetPathDelay(1, TimeSpan.FromMilliseconds(45));
        Assert.Null(plain.Receiver.Bundle.Equaliser);
        foreach (var p in sent)
            Assert.True(plain.Gateway.Bundle.SendIp(p, plain.Now));
        plain.Run(TimeSpan.FromMilliseconds(1));
        Assert.Equal(sent, plain.Receiver.Received);
    }

    [Fact]
    public void A_link_with_a_different_mrru_is_refused_with_a_reason()
    {
        var bundle = new BundleSession(new BundleSettings(), new NullBundleHandler());
        var first = new LcpNegotiated { PeerMrru = 1500, LocalMrru = 1500 };
        var other = new LcpNegotiated { PeerMrru = 1600, LocalMrru = 1500 };

        Assert.True(bundle.AddMember(0, first, 1000, TimeSpan.Zero, out _));
        Assert.False(bundle.AddMember(1, other, 1000, TimeSpan.Zero, out var reason));

        Assert.Contains("differ", reason);
        Assert.Equal(1, bundle.MemberCount);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void The_first_ncp_requests_lost_before_the_peer_joined_are_sent_again_when_it_is_first_heard_not_a_restart_interval_later(int links)
    {
        // Each side's member joins its bundle 5 ms after its Network phase: the first Configure-Requests of the side
        // that joins first reach a peer whose sublink has not joined yet, and are dropped there.
        var net = new BundleNet(links, joinDelay: TimeSpan.FromMilliseconds(5));
        net.StartAll();
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);

        var joined = net.Gateway.FirstJoinAt!.Value > net.Receiver.FirstJoinAt!.Value ? net.Gateway.FirstJoinAt.Value : net.Receiver.FirstJoinAt.Value;
        var restart = new BundleSettings().Fsm.RestartTimer;
        Assert.True(net.Gateway.NetworkUpAt - joined < restart / 10, $"gateway IPCP opened {net.Gateway.NetworkUpAt - joined} after both joined");
        Assert.True(net.Receiver.NetworkUpAt - joined < restart / 10, $"receiver IPCP opened {net.Receiver.NetworkUpAt - joined} after both joined");
        // the bring-up time each bundle reports (issue 17): from its own first member's joining to its IPCP Opened
        Assert.Equal(net.Gateway.NetworkUpAt - net.Gateway.FirstJoinAt, net.Gateway.Bundle.LastBringUp);
        Assert.Equal(net.Receiver.NetworkUpAt - net.Receiver.FirstJoinAt, net.Receiver.Bundle.LastBringUp);
        net.Run(TimeSpan.FromMilliseconds(50));
        Assert.Equal(Gateway.Core.Ppp.Fsm.FsmState.Opened, net.Gateway.Bundle.CcpState);
        Assert.Equal(Gateway.Core.Ppp.Fsm.FsmState.Opened, net.Receiver.Bundle.CcpState);
    }

    [Fact]
    public void The_bring_up_time_is_measured_again_when_the_bundle_re_forms_and_when_ipcp_renegotiates()
    {
        var net = new BundleNet(2);
        Assert.Null(net.Gateway.Bundle.LastBringUp);
        net.StartAll();
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);
        net.Run(TimeSpan.FromSeconds(1));

        // every member leaves the gateway's bundle (IPCP down), then one joins again 2 s later: a new bring-up; the
        // receiver's IPCP, Opened all along, gets a Configure-Request, renegotiates (RFC 1661 4.3) and is timed from then
        foreach (var m in net.Gateway.Members)
            net.Gateway.Bundle.RemoveMember(m.Index, net.Now);
        Assert.Null(net.Gateway.Bundle.Network);
        net.Run(TimeSpan.FromSeconds(2));
        var rejoined = net.Now;
        Assert.True(net.Gateway.Bundle.AddMember(0, net.Gateway.Members[0].Session.Link!, 1_000_000, rejoined, out var refusal), refusal);
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.UpTimes.Count == 2);

        Assert.Equal(2, net.Gateway.UpTimes.Count);
        Assert.Equal(net.Gateway.UpTimes[1] - rejoined, net.Gateway.Bundle.LastBringUp);
        var receiverDown = net.Receiver.DownTimes.Single();
        Assert.True(receiverDown >= rejoined);
        Assert.Equal(net.Receiver.UpTimes[1] - receiverDown, net.Receiver.Bundle.LastBringUp);
    }

    [Fact]
    public void A_bundle_that_re_forms_numbers_on_from_where_it_was_so_a_peer_that_kept_its_members_does_not_drop_it_as_late()
    {
        // Seen in the 30-minute soak: after a receiver freeze the gateway's bundle lost every member and re-formed,
        // while the receiver's still counted members (their keepalive had not decided yet) and kept its reassembler. A
        // fragmenter numbering from 0 again sent numbers behind the ones that reassembler expected: every fragment
        // was late and dropped, for 36 s.
        var net = new BundleNet(2);
        net.StartAll();
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);
        for (int i = 0; i < 200; i++)
            net.Gateway.Bundle.SendIp(Packet(i, 1400), net.Now);
        net.Run(TimeSpan.FromSeconds(1));
        uint numbered = net.Gateway.Bundle.Fragmenter!.NextSequence;
        Assert.True(numbered >= 200, $"{numbered}");
        int before = net.Receiver.Received.Count;

        foreach (var m in net.Gateway.Members)
            net.Gateway.Bundle.RemoveMember(m.Index, net.Now);
        Assert.True(net.Gateway.Bundle.AddMember(0, net.Gateway.Members[0].Session.Link!, 1_000_000, net.Now, out var refusal), refusal);
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);
        // on from where it was (IPCP's renegotiation crossed the bundle since), not from 0
        Assert.InRange(net.Gateway.Bundle.Fragmenter!.NextSequence, numbered, numbered + 20);

        for (int i = 0; i < 50; i++)
            net.Gateway.Bundle.SendIp(Packet(i, 1400), net.Now);
        net.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => Packet(i, 1400)), net.Receiver.Received.Skip(before).Where(p => p.Length == 1400));
    }

    [Fact]
    public void A_peer_bundle_that_re_formed_too_follows_numbers_far_beyond_its_window()
    {
        // Both ends' bundles lost every member: the gateway's numbers on from past the receiver's window, and
        // the receiver's fresh reassembler, which expects 0, takes its first fragment there. Before, only a run of 64
        // fragments moved it, and until IPCP opened only IPCP's Configure-Requests crossed, one every 3 s.
        var net = new BundleNet(1);
        net.StartAll();
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);
        for (int i = 0; i < 2000; i++)
        {
            Assert.True(net.Gateway.Bundle.SendIp(Packet(i % 200, 60), net.Now));
            if (i % 100 == 99)
                net.Run(TimeSpan.FromMilliseconds(10));
        }
        // short sequence numbers here (12 bits): the receiver's window is 1024 ahead of the number it expects
        Assert.Equal(MpSequenceFormat.Short, net.Receiver.Bundle.Parameters!.Value.ReceiveFormat);
        Assert.InRange(net.Gateway.Bundle.Fragmenter!.NextSequence, 1024u, 2047u);
        int before = net.Receiver.Received.Count;

        net.Gateway.Bundle.RemoveMember(0, net.Now);
        net.Receiver.Bundle.RemoveMember(0, net.Now);
        Assert.Null(net.Receiver.Bundle.Network);
        var rejoined = net.Now;
        Assert.True(net.Receiver.Bundle.AddMember(0, net.Receiver.Members[0].Session.Link!, 1_000_000, net.Now, out var refusal), refusal);
        Assert.True(net.Gateway.Bundle.AddMember(0, net.Gateway.Members[0].Session.Link!, 1_000_000, net.Now, out refusal), refusal);
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);
        // the first Configure-Requests crossed: not a 3 s retransmission later
        Assert.True(net.Now - rejoined < TimeSpan.FromSeconds(3), $"{net.Now - rejoined}");

        for (int i = 0; i < 50; i++)
            net.Gateway.Bundle.SendIp(Packet(i, 1400), net.Now);
        net.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => Packet(i, 1400)), net.Receiver.Received.Skip(before).Where(p => p.Length == 1400));
    }

    [Fact]
    public void A_protocol_reject_of_ccp_on_a_member_link_stops_the_bundles_ccp_and_is_reported_rfc1661_5_7()
    {
        // The receiver runs no CCP: its bundle has a member link Protocol-Reject the gateway's CCP requests, and the
        // gateway's member session passes that Protocol-Reject to its bundle (as the actors must).
        var net = new BundleNet(2, receiverSettings: new BundleSettings { Compression = CompressionControl.ProtocolReject });
        net.StartAll();
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);
        net.Run(TimeSpan.FromSeconds(1));
        long undeliverable = net.Receiver.Bundle.UndeliverablePackets;
        net.Run(TimeSpan.FromSeconds(30));

        Assert.Equal(Gateway.Core.Ppp.Fsm.FsmState.Stopped, net.Gateway.Bundle.CcpState);
        Assert.Equal(undeliverable, net.Receiver.Bundle.UndeliverablePackets);   // no CCP Configure-Request since
        Assert.Equal([PppProtocol.Ccp], net.Gateway.Bundle.RejectedByPeer);
        var reported = Assert.Single(net.Gateway.Events.OfType<ProtocolRejectedByPeer>());
        Assert.Equal(new ProtocolRejectedByPeer("vpn", PppProtocol.Ccp, ForBundle: false), reported);
        Assert.NotNull(net.Gateway.Bundle.Network);                                // IPCP carries on
    }

    [Fact]
    public void A_protocol_reject_of_ipcp_stops_the_bundles_ipcp_and_names_it()
    {
        var events = new List<SessionEvent>();
        var bundle = new BundleSession(new BundleSettings(), new RecordingBundleHandler(events));
        Assert.True(bundle.AddMember(0, new LcpNegotiated { PeerMrru = 1500, LocalMrru = 1500 }, 1000, TimeSpan.Zero, out _));
        Assert.Equal(Gateway.Core.Ppp.Fsm.FsmState.ReqSent, bundle.IpcpState);

        Assert.True(bundle.PeerRejectedProtocol(PppProtocol.Ipcp, TimeSpan.FromSeconds(1)));

        Assert.Equal(Gateway.Core.Ppp.Fsm.FsmState.Stopped, bundle.IpcpState);
        Assert.Contains(new ProtocolRejectedByPeer("vpn", PppProtocol.Ipcp, ForBundle: false), events);
        Assert.False(bundle.PeerRejectedProtocol(PppProtocol.Lqr, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_forged_ipcp_request_numbered_far_ahead_neither_renegotiates_the_bundle_nor_stalls_it()
    {
        var net = new BundleNet(2);
        net.StartAll();
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);
        var receiver = net.Receiver.Bundle;
        var format = receiver.Reassembler!.Options.Format;

        // from member 1's own address: an IPCP Configure-Request 700 numbers ahead (inside the 1024 window of short
        // sequence numbers, far beyond anything in flight)
        var forged = new byte[64];
        int header = MpHeaderCodec.Write(forged, format, true, true, (receiver.Reassembler.ExpectedSequence + 700) & MpHeaderCodec.SequenceMask(format));
        byte[] request = [0x80, 0x21, 0x01, 0x42, 0x00, 0x0A, 0x03, 0x06, 0x0A, 0x00, 0x00, 0x09];
        request.CopyTo(forged, header);
        receiver.ReceiveFragment(1, forged.AsSpan(0, header + request.Length), net.Now);

        for (int i = 0; i < 20; i++)
        {
            Assert.True(net.Gateway.Bundle.SendIp(Packet(i, 200), net.Now));
            net.Run(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => Packet(i, 200)), net.Receiver.Received);
        Assert.Empty(net.Receiver.Events.OfType<NetworkDown>());
        Assert.Equal(1, receiver.Reassembler.Statistics.OutOfWindowFragments);
    }

    [Fact]
    public void An_ipv6_packet_is_never_sent_as_ipv4_and_is_refused_while_ipv6cp_does_not_run()
    {
        var net = new BundleNet(2);
        net.StartAll();
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);
        long refused = net.Gateway.Bundle.SendRefused;

        // what the kernel writes to the tun: a Router Solicitation, version 6
        Assert.False(net.Gateway.Bundle.SendIp(Ipv6Packet(1), net.Now));
        Assert.False(net.Gateway.Bundle.SendIp([0x00, 0x01, 0x02], net.Now));
        net.Run(TimeSpan.FromMilliseconds(100));

        Assert.Empty(net.Receiver.Received);
        Assert.Equal(refused + 2, net.Gateway.Bundle.SendRefused);
        Assert.Equal(1, net.Gateway.Bundle.SendRefusedNotIp);
        Assert.Null(net.Gateway.Bundle.Ipv6cpState);
    }

    [Fact]
    public void With_ipv6cp_on_both_ends_ipv6_crosses_the_bundle_as_0x0057_and_both_link_local_addresses_are_known()
    {
        var withIpv6 = new BundleSettings { Ipv6cp = Ipv6cpSettings.Default };
        var net = new BundleNet(2, receiverSettings: withIpv6, gatewaySettings: withIpv6);
        net.StartAll();
        net.RunUntil(() => net.Gateway.Bundle.Ipv6Network is not null && net.Receiver.Bundle.Ipv6Network is not null);

        var gateway = net.Gateway.Bundle.Ipv6Network!;
        var receiver = net.Receiver.Bundle.Ipv6Network!;
        Assert.Equal(gateway.LocalInterfaceIdentifier, receiver.PeerInterfaceIdentifier);
        Assert.Equal(receiver.LocalInterfaceIdentifier, gateway.PeerInterfaceIdentifier);
        Assert.NotEqual(gateway.LocalInterfaceIdentifier, receiver.LocalInterfaceIdentifier);
        Assert.True(gateway.LocalLinkLocal.IsIPv6LinkLocal);
        Assert.Contains(new Ipv6NetworkUp("vpn", gateway), net.Gateway.Events);

        Assert.True(net.Gateway.Bundle.SendIp(Ipv6Packet(7), net.Now));
        Assert.True(MpHeaderCodec.TryRead(net.Gateway.SentFragments[^1], net.Gateway.Bundle.Fragmenter!.Options.Format, out _, out var data) == MpHeaderStatus.Ok);
        Assert.True(MpHeaderCodec.TryReadProtocol(data, out ushort protocol, out _));
        Assert.Equal((ushort)PppProtocol.Ipv6, protocol);
        Assert.True(net.Receiver.Bundle.SendIp(Packet(8, 100), net.Now));
        net.Run(TimeSpan.FromMilliseconds(100));

        Assert.Equal([Ipv6Packet(7)], net.Receiver.Received);
        Assert.Equal([Packet(8, 100)], net.Gateway.Received);
    }

    [Fact]
    public void A_bundle_without_ipv6cp_protocol_rejects_the_peers_and_the_peers_bundle_stops_asking()
    {
        var net = new BundleNet(2, gatewaySettings: new BundleSettings { Ipv6cp = Ipv6cpSettings.Default });
        net.StartAll();
        net.RunUntil(() => net.Gateway.Bundle.Network is not null && net.Receiver.Bundle.Network is not null);
        net.Run(TimeSpan.FromSeconds(1));

        Assert.Equal(Gateway.Core.Ppp.Fsm.FsmState.Stopped, net.Gateway.Bundle.Ipv6cpState);
        Assert.Equal([PppProtocol.Ipv6cp], net.Gateway.Bundle.RejectedByPeer);
        long undeliverable = net.Receiver.Bundle.UndeliverablePackets;
        net.Run(TimeSpan.FromSeconds(30));
        Assert.Equal(undeliverable, net.Receiver.Bundle.UndeliverablePackets);
    }

    private static byte[] Ipv6Packet(int id)
    {
        var p = new byte[48];
        p[0] = 0x60;
        p[6] = 58; // ICMPv6
        p[7] = 255;
        p[40] = 133; // Router Solicitation
        p[47] = (byte)id;
        return p;
    }

    internal static byte[] Packet(int id, int size)
    {
        var p = new byte[size];
        p[0] = 0x45;
        p[4] = (byte)id;
        p[5] = (byte)(id >> 8);
        for (int i = 20; i < size; i++)
            p[i] = (byte)(i * 7 + id);
        return p;
    }

    private sealed class BytesComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => obj.Length ^ obj[4] ^ (obj[5] << 8);
    }

    private sealed class RecordingBundleHandler(List<SessionEvent> events) : IBundleHandler
    {
        public void SendFragment(int member, ReadOnlySpan<byte> fragment) { }
        public void StartTimer(BundleTimer timer, TimeSpan interval) { }
        public void StopTimer(BundleTimer timer) { }
        public void OnEvent(SessionEvent bundleEvent) => events.Add(bundleEvent);
        public void OnIpPacket(ReadOnlySpan<byte> packet) { }
    }

    private sealed class NullBundleHandler : IBundleHandler
    {
        public void SendFragment(int member, ReadOnlySpan<byte> fragment) { }
        public void StartTimer(BundleTimer timer, TimeSpan interval) { }
        public void StopTimer(BundleTimer timer) { }
        public void OnEvent(SessionEvent bundleEvent) { }
        public void OnIpPacket(ReadOnlySpan<byte> packet) { }
    }

    /// <summary>Gateway and receiver bundles with their member sessions, one wire queue and one virtual clock.</summary>
    private sealed class BundleNet
    {
        private readonly Queue<(Member To, byte[] Bytes)> wire = new();
        private readonly HashSet<int> cut = new();

        /// <param name="joinDelay">How long after a member session reaches the Network phase it joins its bundle (an
        /// actor's messages take that long): what its bundle is sent before is dropped, as the actors drop it.</param>
        public BundleNet(int links, TimeSpan? joinDelay = null, BundleSettings? receiverSettings = null, BundleSettings? gatewaySettings = null)
        {
            JoinDelay = joinDelay ?? TimeSpan.Zero;
            Gateway = new Side(this, "vpn", Secret.FromText("vpnkey"), isReceiver: false, links, gatewaySettings);
            Receiver = new Side(this, "vpn-in", Secret.Empty, isReceiver: true, links, receiverSettings);
            for (int i = 0; i < links; i++)
            {
                Gateway.Members[i].Peer = Receiver.Members[i];
                Receiver.Members[i].Peer = Gateway.Members[i];
            }
        }

        public Side Gateway { get; }

        public Side Receiver { get; }

        public TimeSpan JoinDelay { get; }

        public TimeSpan Now { get; private set; }

        internal readonly List<(TimeSpan Due, Action Fire, object Owner, object Key)> Timers = new();

        public void StartAll()
        {
            foreach (var m in Gateway.Members.Concat(Receiver.Members))
                m.Session.Start();
        }

        public void Cut(int link) => cut.Add(link);

        public void Restore(int link) => cut.Remove(link);

        internal void Send(Member to, ReadOnlySpan<byte> bytes)
        {
            if (!cut.Contains(to.Index))
                wire.Enqueue((to, bytes.ToArray()));
        }

        internal void Arm(object owner, object key, TimeSpan interval, Action fire)
        {
            Disarm(owner, key);
            Timers.Add((Now + interval, fire, owner, key));
        }

        internal void Disarm(object owner, object key) => Timers.RemoveAll(t => t.Owner == owner && Equals(t.Key, key));

        public void Run(TimeSpan limit)
        {
            var end = Now + limit;
            for (int steps = 0; steps < 1_000_000; steps++)
            {
                if (wire.Count > 0)
                {
                    var (to, bytes) = wire.Dequeue();
                    to.Session.ReceiveDatagram(bytes);
                    continue;
                }
                if (Timers.Count == 0)
                    break;
                var next = Timers.MinBy(t => t.Due);
                if (next.Due > end)
                    break;
                Timers.Remove(next);
                Now = next.Due;
                next.Fire();
            }
            Now = end;
        }

        public void RunUntil(Func<bool> condition)
        {
            for (int i = 0; i < 600 && !condition(); i++)
                Run(TimeSpan.FromMilliseconds(100));
            Assert.True(condition(), "the bundles did not come up within 60 s of virtual time");
        }
    }

    private sealed class Side : IBundleHandler
    {
        private readonly BundleNet net;

        public Side(BundleNet net, string name, Secret key, bool isReceiver, int links, BundleSettings? bundleSettings = null)
        {
            this.net = net;
            Bundle = new BundleSession((bundleSettings ?? new BundleSettings()) with
            {
                Name = name,
                Ipcp = isReceiver
                    ? IpcpSettings.Default with { LocalAddress = ReceiverAddress, PeerAddress = GatewayAddress }
                    : IpcpSettings.Default with { LocalAddress = IPAddress.Any },
            }, this);
            EndpointDiscriminator.TryCreateLabel(name, out var enddisc, out _);
            for (int i = 0; i < links; i++)
            {
                var settings = new SessionSettings
                {
                    Name = $"{name}/{i + 1}",
                    Framing = FramingMode.Sync,
                    Lcp = LcpSettings.Default with { Accm = null, Mrru = 1500, EndpointDiscriminator = enddisc, EnableChap = isReceiver },
                    Ipcp = null,
                    Compression = CompressionControl.ProtocolReject,
                    AuthName = "vpnname",
                    AuthKey = key,
                    Secrets = new InMemorySecretStore().Add("vpnname", Secret.FromText("vpnkey")),
                };
                Members.Add(new Member(net, this, i, settings));
            }
        }

        public BundleSession Bundle { get; }

        public List<Member> Members { get; } = new();

        public List<byte[]> Received { get; } = new();

        /// <summary>Every fragment this side's bundle sent, as sent.</summary>
        public List<byte[]> SentFragments { get; } = new();

        public void SendFragment(int member, ReadOnlySpan<byte> fragment)
        {
            SentFragments.Add(fragment.ToArray());
            Members[member].Session.SendPacket(PppProtocol.Multilink, fragment);
        }

        public void StartTimer(BundleTimer timer, TimeSpan interval) => net.Arm(this, timer, interval, () => Bundle.TimerExpired(timer, net.Now));

        public void StopTimer(BundleTimer timer) => net.Disarm(this, timer);

        public List<SessionEvent> Events { get; } = new();

        /// <summary>When the first member joined and when IPCP opened, in virtual time.</summary>
        public TimeSpan? FirstJoinAt { get; set; }

        public TimeSpan? NetworkUpAt { get; private set; }

        /// <summary>Every time IPCP opened and went down, in virtual time.</summary>
        public List<TimeSpan> UpTimes { get; } = new();

        public List<TimeSpan> DownTimes { get; } = new();

        public void OnEvent(SessionEvent bundleEvent)
        {
            Events.Add(bundleEvent);
            if (bundleEvent is NetworkUp)
            {
                NetworkUpAt ??= net.Now;
                UpTimes.Add(net.Now);
            }
            if (bundleEvent is NetworkDown)
                DownTimes.Add(net.Now);
        }

        public void OnIpPacket(ReadOnlySpan<byte> packet) => Received.Add(packet.ToArray());

        /// <summary>What the bundle actor does: the member's LCP sends the Protocol-Reject.</summary>
        public void RejectProtocol(int member, ushort protocol, ReadOnlySpan<byte> information) =>
            Members[member].Session.RejectProtocol(protocol, information);
    }

    private sealed class Member : ISessionHandler
    {
        private readonly BundleNet net;
        private readonly Side side;

        public Member(BundleNet net, Side side, int index, SessionSettings settings)
        {
            this.net = net;
            this.side = side;
            Index = index;
            Session = new PppSession(settings, this);
        }

        public int Index { get; }

        public PppSession Session { get; }

        public Member Peer { get; set; } = null!;

        public void SendFrame(ReadOnlySpan<byte> frame) => net.Send(Peer, frame);

        public void StartTimer(SessionTimer timer, TimeSpan interval) => net.Arm(this, timer, interval, () => Session.TimerExpired(timer));

        public void StopTimer(SessionTimer timer) => net.Disarm(this, timer);

        public void OnEvent(SessionEvent sessionEvent)
        {
            switch (sessionEvent)
            {
                case PhaseChanged { To: LinkPhase.Network } when net.JoinDelay > TimeSpan.Zero:
                    net.Arm(this, "join", net.JoinDelay, Join);
                    break;
                case PhaseChanged { To: LinkPhase.Network }:
                    Join();
                    break;
                case ProtocolRejectedByPeer { ForBundle: true } rejected:
                    // what the sublink's owner does with it: the bundle's business
                    side.Bundle.PeerRejectedProtocol(rejected.Protocol, net.Now);
                    break;
                case PhaseChanged { From: LinkPhase.Network }:
                    net.Disarm(this, "join");
                    Joined = false;
                    side.Bundle.RemoveMember(Index, net.Now);
                    break;
            }
        }

        public bool Joined { get; private set; }

        private void Join()
        {
            Assert.True(side.Bundle.AddMember(Index, Session.Link!, 1_000_000, net.Now, out var refusal), refusal);
            side.FirstJoinAt ??= net.Now;
            Joined = true;
        }

        public void OnPacket(PppProtocol protocol, ReadOnlySpan<byte> information)
        {
            if (!Joined)
                return; // the actors drop a sublink's network packets until it joined its bundle
            if (protocol == PppProtocol.Multilink)
                side.Bundle.ReceiveFragment(Index, information, net.Now);
            else
                side.Bundle.ReceiveDirect((ushort)protocol, information, net.Now);
        }
    }
}
