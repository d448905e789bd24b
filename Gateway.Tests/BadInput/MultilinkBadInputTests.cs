using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;
using Gateway.Tests.Ppp.Multilink;
using Gateway.Tests.Ppp.Session;
using static Gateway.Tests.Ppp.Lcp.LcpTestKit;

namespace Gateway.Tests.BadInput;

/// <summary>
/// BAD-INPUT.md "Multilink (RFC 1990)": the Multilink options of LCP as a hostile peer writes them, a long header
/// on a bundle that agreed on short ones, and hostile fragments through a member session into its bundle, after
/// which the member still answers an LCP Echo-Request. (The reassembler alone: MpReassemblerTests.)
/// </summary>
public class MultilinkBadInputTests
{
    private static readonly LcpSettings Multilink = new() { Mrru = 1500 };

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(63)]
    public void An_mrru_below_the_minimum_is_naked_with_our_minimum(int mrru)
    {
        var (lcp, _) = RequestSent(Multilink);

        var nak = SingleSent(lcp.Receive(Packet(ControlCode.ConfigureRequest, 1, Option(LcpOptionType.MultilinkMrru, U16((ushort)mrru)))), ControlCode.ConfigureNak);

        Assert.Equal(Option(LcpOptionType.MultilinkMrru, U16(LcpSettings.MinimumMru)), nak.Packet[4..]);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Fact]
    public void A_peer_mrru_of_65535_is_acked_but_what_we_reassemble_stays_bounded_by_our_own_mrru()
    {
        var (a, _, _) = OpenedPair(Multilink, Multilink with { Mrru = 65535 });
        Assert.Equal((ushort)65535, a.Negotiated!.PeerMrru);
        Assert.Equal((ushort)1500, a.Negotiated.LocalMrru);
        var bundle = new BundleSession(new BundleSettings(), new BundleOwner());
        Assert.True(bundle.AddMember(0, a.Negotiated, 1_000_000, TimeSpan.Zero, out var refusal), refusal);
        var format = a.Negotiated.ReceiveShortSequence ? MpSequenceFormat.Short : MpSequenceFormat.Long;

        // a 2,001-octet packet in two fragments: above our MRRU, whatever the peer's
        bundle.ReceiveFragment(0, Fragment(format, true, false, 0, [0x21, .. new byte[1000]]), TimeSpan.Zero);
        bundle.ReceiveFragment(0, Fragment(format, false, true, 1, new byte[1000]), TimeSpan.Zero);

        Assert.Equal(1, bundle.Reassembler!.Statistics.OversizePackets);
        Assert.Equal(0, bundle.Reassembler.Statistics.ReassembledPackets);
        AssertAnswersEcho(a);
    }

    [Theory]
    [InlineData(new byte[] { 0 })]
    [InlineData(new byte[] { 0, 0 })]
    public void A_short_sequence_option_whose_length_is_not_2_is_rejected(byte[] value)
    {
        var (lcp, _) = RequestSent(Multilink);
        var bad = Option(LcpOptionType.ShortSequenceNumberHeaderFormat, value);

        var reject = SingleSent(lcp.Receive(Packet(ControlCode.ConfigureRequest, 1, bad)), ControlCode.ConfigureReject);

        Assert.Equal(bad, reject.Packet[4..]);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Fact]
    public void Multilink_options_from_a_peer_when_we_run_no_multilink_are_rejected()
    {
        var (lcp, _) = RequestSent();
        byte[] options = [.. Option(LcpOptionType.MultilinkMrru, U16(1500)), .. Option(LcpOptionType.ShortSequenceNumberHeaderFormat)];

        var reject = SingleSent(lcp.Receive(Packet(ControlCode.ConfigureRequest, 1, options)), ControlCode.ConfigureReject);

        Assert.Equal(options, reject.Packet[4..]);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Theory]
    [InlineData(new byte[] { 0, 1 })]                       // class 0 (null) with an address
    [InlineData(new byte[] { 1 })]                          // class 1 without one
    [InlineData(new byte[] { 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21 })] // class 1, 21 octets
    [InlineData(new byte[] { 4, 1, 2, 3, 4, 5, 6 })]        // class 4, not a multiple of 4
    [InlineData(new byte[] { 5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 })] // class 5, 16 octets
    [InlineData(new byte[] { 7, 1, 2, 3, 4 })]              // reserved classes 6-255
    [InlineData(new byte[] { 128 })]
    [InlineData(new byte[] { 255, 1, 2 })]
    public void An_endpoint_discriminator_of_a_reserved_class_or_the_wrong_length_for_its_class_is_rejected(byte[] value)
    {
        var (lcp, _) = RequestSent(Multilink);
        var bad = Option(LcpOptionType.EndpointDiscriminator, value);

        var reject = SingleSent(lcp.Receive(Packet(ControlCode.ConfigureRequest, 1, bad)), ControlCode.ConfigureReject);

        Assert.Equal(bad, reject.Packet[4..]);
        AssertRecoversAndAnswersEcho(lcp);
    }

    [Fact]
    public void A_long_header_on_a_bundle_that_agreed_on_short_ones_is_not_taken_as_the_packet_it_was()
    {
        var r = new MpReassembler(new MpReassemblerOptions { Format = MpSequenceFormat.Short, ReorderTimeout = TimeSpan.FromMilliseconds(100) });
        r.AddMember(0);
        var sink = new CollectingSink();
        var now = TimeSpan.FromSeconds(1);
        for (uint seq = 0; seq < 300; seq++)
            r.Receive(0, Fragment(MpSequenceFormat.Short, seq, 0x21, 1), now, sink);

        // "C0 00 01 2C 21 02": B, E and long sequence 300; read as short, sequence 0, far behind the stream
        var status = r.Receive(0, [0xC0, 0x00, 0x01, 0x2C, 0x21, 0x02], now, sink);
        Assert.Contains(status, new[] { MpReceiveStatus.Late, MpReceiveStatus.Duplicate, MpReceiveStatus.OutOfWindow });

        Assert.Equal(MpReceiveStatus.Accepted, r.Receive(0, Fragment(MpSequenceFormat.Short, 300, 0x21, 3), now, sink));
        Assert.Equal(301, sink.Packets.Count);
        Assert.DoesNotContain(sink.Packets, p => p.Information.SequenceEqual(new byte[] { 2 }));
    }

    /// <summary>A whole packet in one fragment (B and E set): MP header, then protocol and data.</summary>
    private static byte[] Fragment(MpSequenceFormat format, uint sequence, params byte[] data) => Fragment(format, true, true, sequence, data);

    private static byte[] Fragment(MpSequenceFormat format, bool begin, bool end, uint sequence, params byte[] data)
    {
        var buffer = new byte[4 + data.Length];
        int n = MpHeaderCodec.Write(buffer, format, begin, end, sequence);
        data.CopyTo(buffer, n);
        return buffer[..(n + data.Length)];
    }

    /// <summary>Member-link settings as BundleSessionTests' sides use them: Multilink, no NCP of its own, CHAP one way.</summary>
    private static SessionSettings Member(string name, bool isReceiver)
    {
        EndpointDiscriminator.TryCreateLabel(name, out var enddisc, out _);
        return new SessionSettings
        {
            Name = name,
            Framing = FramingMode.Sync,
            Lcp = LcpSettings.Default with { Accm = null, Mrru = 1500, EndpointDiscriminator = enddisc, EnableChap = isReceiver },
            Ipcp = null,
            Compression = CompressionControl.ProtocolReject,
            AuthName = "vpnname",
            AuthKey = isReceiver ? Secret.Empty : Secret.FromText("vpnkey"),
            Secrets = new InMemorySecretStore().Add("vpnname", Secret.FromText("vpnkey")),
        };
    }

    private sealed class BundleOwner : IBundleHandler
    {
        public void SendFragment(int member, ReadOnlySpan<byte> fragment) { }
        public void StartTimer(BundleTimer timer, TimeSpan interval) { }
        public void StopTimer(BundleTimer timer) { }
        public void OnEvent(SessionEvent bundleEvent) { }
        public void OnIpPacket(ReadOnlySpan<byte> packet) { }
    }

    [Fact]
    public void Hostile_fragments_on_a_member_link_are_counted_by_the_bundle_and_the_member_still_answers_echo()
    {
        var pair = new SessionPair(Member("vpn-in/1", isReceiver: true), Member("vpn/1", isReceiver: false));
        pair.Start();
        pair.RunUntil(() => pair.A.Session.Phase == LinkPhase.Network && pair.B.Session.Phase == LinkPhase.Network, TimeSpan.FromSeconds(30));
        var a = pair.A;
        var bundle = new BundleSession(new BundleSettings(), new BundleOwner());
        Assert.True(bundle.AddMember(0, a.Session.Link!, 1_000_000, pair.Now, out var refusal), refusal);
        a.PacketArrived = (protocol, data) =>
        {
            if (protocol == PppProtocol.Multilink)
                bundle.ReceiveFragment(0, data, pair.Now);
        };
        var format = a.Session.Link!.ReceiveShortSequence ? MpSequenceFormat.Short : MpSequenceFormat.Long;
        uint jump = format == MpSequenceFormat.Short ? 1u << 11 : 1u << 23;
        void Mp(byte[] fragment) => SessionRig.Receive(a, [0xFF, 0x03, 0x00, 0x3D, .. fragment]);

        SessionRig.Receive(a, [0xFF, 0x03, 0x00, 0x3D, 0x30]);         // a truncated MP header
        Mp(Fragment(format, 0, 0x21, 0x45));                           // a good packet
        Mp(Fragment(format, 0, 0x21, 0x45));                           // the same again
        Mp(Fragment(format, jump, 0x21, 0x46));                        // half the sequence space ahead
        Mp(Fragment(format, false, true, 1, 0x47));                    // End without Begin
        Mp(Fragment(format, 2));                                       // a zero-length packet: no protocol field
        var reserved = Fragment(format, 3, 0x21, 0x48);
        reserved[0] |= 0x10;
        Mp(reserved);                                                  // reserved bits set
        bundle.ReceiveFragment(7, Fragment(format, 3, 0x21, 0x49), pair.Now); // from a link that never joined
        Mp(Fragment(format, 3, 0x21, 0x4A));                           // and a good packet after all that

        var s = bundle.Reassembler!.Statistics;
        Assert.Equal(1, s.TruncatedFragments);
        Assert.Equal(1, s.DuplicateFragments + s.LateFragments);
        Assert.Equal(1, s.OutOfWindowFragments);
        Assert.Equal(1, s.DiscardedFragments);
        Assert.Equal(1, s.MalformedPackets);
        Assert.Equal(1, s.ReservedBitsFragments);
        Assert.Equal(1, s.NotMemberFragments);
        Assert.Equal(2, s.ReassembledPackets);
        Assert.Equal(LinkPhase.Network, a.Session.Phase);
        Assert.Equal(1, bundle.MemberCount);
        SessionRig.AssertAnswersEcho(a);
    }
}
