using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Framing;
using Gateway.Core.Ppp.Session;
using Gateway.Tests.Ppp.Framing;
using Gateway.Tests.Ppp.Session;
using static Gateway.Tests.BadInput.SessionRig;

namespace Gateway.Tests.BadInput;

/// <summary>
/// BAD-INPUT.md "Framing (RFC 1662)", at the session: every hostile octet stream goes into an async PppSession in the
/// Network phase as its peer would send it; it is counted and dropped by the framer, or delivered as the documented
/// policy says, and the session still answers an LCP Echo-Request. (The decoder alone: HdlcDecoderTests.)
/// </summary>
public class FramingBadInputTests
{
    private const ushort Ip = (ushort)PppProtocol.Ip;

    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    private static byte[] EchoFrame() => Frame(FramingMode.Async, Lcp, FramingTestKit.EchoRequest);

    private static byte[] WithBadFcs()
    {
        var wire = EchoFrame();
        wire[6] ^= 0x01; // inside the information field, not an escape
        return wire;
    }

    private static byte[] Aborted() => [.. EchoFrame()[..8], Hdlc.ControlEscape, Hdlc.Flag];

    private static byte[] HundredKilobytesWithoutAFlag()
    {
        var noise = new byte[100 * 1024];
        Array.Fill(noise, (byte)0x55);
        return [Hdlc.Flag, .. noise];
    }

    /// <summary>Address 0xFF, control 0x13 (not UI), a correct FCS: the header is what is wrong.</summary>
    private static byte[] BadControlField()
    {
        byte[] content = [0xFF, 0x13, 0x00, 0x21, 0x45];
        ushort fcs = Fcs16.Compute(content);
        return [Hdlc.Flag, .. Stuff([.. content, (byte)fcs, (byte)(fcs >> 8)]), Hdlc.Flag];
    }

    /// <summary>RFC 1662 4.2 transparency for flag and escape only (the session's negotiated receive ACCM is 0).</summary>
    private static byte[] Stuff(ReadOnlySpan<byte> content)
    {
        var stuffed = new List<byte>();
        foreach (byte b in content)
        {
            if (b is Hdlc.Flag or Hdlc.ControlEscape)
                stuffed.AddRange([Hdlc.ControlEscape, (byte)(b ^ Hdlc.EscapeXor)]);
            else
                stuffed.Add(b);
        }
        return [.. stuffed];
    }

    /// <summary>An IP frame whose 16-bit FCS covers <c>FF 03 00 21</c> though it went out with ACFC and PFC (no <c>FF 03</c>, one-octet protocol).</summary>
    private static byte[] CompressedWithFcsOverTheFullHeader()
    {
        byte[] packet = FramingTestKit.IcmpEchoPacket();
        ushort fcs = Fcs16.Compute([0xFF, 0x03, 0x00, 0x21, .. packet]);
        return [Hdlc.Flag, .. Stuff([0x21, .. packet, (byte)fcs, (byte)(fcs >> 8)]), Hdlc.Flag];
    }

    public static TheoryData<string, byte[], string> CountedAndDropped() => new()
    {
        { "a one-octet frame", Hex("7E 41 7E"), nameof(FramingCounters.Runts) },
        { "a two-octet frame", Hex("7E 41 42 7E"), nameof(FramingCounters.Runts) },
        { "a three-octet frame", Hex("7E FF 7D 23 C0 7E"), nameof(FramingCounters.Runts) },
        { "an empty frame with a valid FCS", Hex("7E 00 00 7E"), nameof(FramingCounters.Runts) },
        { "an empty frame with a valid FCS, its NUL escaped", Hex("7E 7D 20 00 7E"), nameof(FramingCounters.Runts) },
        { "a bad FCS", WithBadFcs(), nameof(FramingCounters.BadFcs) },
        { "an FCS over the uncompressed header of a compressed frame", CompressedWithFcsOverTheFullHeader(), nameof(FramingCounters.BadFcs) },
        { "7D 7E, the abort sequence", Aborted(), nameof(FramingCounters.Aborts) },
        { "one flag then 100 KB without another", HundredKilobytesWithoutAFlag(), nameof(FramingCounters.TooLong) },
        { "FF not followed by 03, good FCS", BadControlField(), nameof(FramingCounters.BadHeaders) },
    };

    private static long Counter(FramingCounters counters, string name) => name switch
    {
        nameof(FramingCounters.Runts) => counters.Runts,
        nameof(FramingCounters.BadFcs) => counters.BadFcs,
        nameof(FramingCounters.Aborts) => counters.Aborts,
        nameof(FramingCounters.TooLong) => counters.TooLong,
        nameof(FramingCounters.BadHeaders) => counters.BadHeaders,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(CountedAndDropped))]
    public void A_hostile_stream_into_a_session_in_the_network_phase_is_counted_and_dropped_and_echo_is_still_answered(string what, byte[] stream, string counter)
    {
        var pair = NetworkPair(FramingMode.Async);
        var a = pair.A;
        var before = a.Session.FramingCounters;
        int packetsBefore = a.Packets.Count;
        int sentBefore = a.Sent.Count;

        Receive(a, stream);

        var after = a.Session.FramingCounters;
        Assert.True(Counter(after, counter) == Counter(before, counter) + 1, $"{what}: {counter} {Counter(before, counter)} -> {Counter(after, counter)}");
        Assert.Equal(before.FramesIn, after.FramesIn);
        Assert.Equal(before.InErrors + 1, after.InErrors);
        Assert.Equal(packetsBefore, a.Packets.Count);
        Assert.Equal(sentBefore, a.Sent.Count); // nothing answered
        Assert.Equal(LinkPhase.Network, a.Session.Phase);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Control_escape_as_the_last_octet_of_one_read_is_finished_by_the_next()
    {
        var pair = NetworkPair(FramingMode.Async);
        var a = pair.A;
        byte[] information = [0x45, 0x7E, 0x20, 0x7D, 0x30];
        byte[] wire = Frame(FramingMode.Async, Ip, information);
        int escapeAt = Array.IndexOf(wire, Hdlc.ControlEscape);

        Receive(a, wire[..(escapeAt + 1)]);
        Assert.Empty(a.Packets);
        Receive(a, wire[(escapeAt + 1)..]);

        Assert.Equal(information, Assert.Single(a.Packets).Data);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Control_escape_as_the_last_octet_of_one_read_and_a_flag_opening_the_next_is_an_abort()
    {
        var pair = NetworkPair(FramingMode.Async);
        var a = pair.A;
        long abortsBefore = a.Session.FramingCounters.Aborts;
        byte[] wire = Frame(FramingMode.Async, Ip, FramingTestKit.IcmpEchoPacket());

        Receive(a, [.. wire[..8], Hdlc.ControlEscape]);
        AssertAnswersEcho(a); // the echo's opening flag is the one that aborts

        Assert.Equal(abortsBefore + 1, a.Session.FramingCounters.Aborts);
        Assert.Empty(a.Packets);
    }

    [Fact]
    public void An_escaped_flag_is_a_0x7E_data_octet()
    {
        var pair = NetworkPair(FramingMode.Async);
        var a = pair.A;
        byte[] information = [0x45, 0x7E, 0x7E, 0x01];
        byte[] wire = Frame(FramingMode.Async, Ip, information);
        Assert.True(wire.AsSpan().IndexOf(stackalloc byte[] { Hdlc.ControlEscape, 0x5E }) > 0);

        Receive(a, wire);

        Assert.Equal(information, Assert.Single(a.Packets).Data);
        AssertAnswersEcho(a);
    }

    [Fact]
    public void Unescaped_control_characters_in_the_negotiated_receive_accm_are_removed_and_the_frame_delivered()
    {
        // The gateway asks for XON and XOFF to be escaped (set accmap 000a0000): unescaped ones are a modem's flow control.
        var gateway = PppSessionTests.Gateway(FramingMode.Async, PppSessionTests.Auth.Chap);
        var pair = NetworkPair(gateway with { Lcp = gateway.Lcp with { Accm = 0x000A0000 } }, PppSessionTests.Isp(FramingMode.Async, PppSessionTests.Auth.Chap));
        var a = pair.A;
        Assert.Equal(0x000A0000u, a.Session.Link!.ReceiveAccm);
        long discardedBefore = a.Session.FramingCounters.DiscardedControlCharacters;
        byte[] packet = FramingTestKit.IcmpEchoPacket();
        byte[] wire = Frame(FramingMode.Async, Ip, packet);
        byte[] noisy = [.. wire[..5], 0x11, .. wire[5..9], 0x13, .. wire[9..]];

        Receive(a, noisy);

        Assert.Equal(packet, Assert.Single(a.Packets).Data);
        Assert.Equal(discardedBefore + 2, a.Session.FramingCounters.DiscardedControlCharacters);
        AssertAnswersEcho(a);
    }

    [Theory]
    [InlineData(FramingMode.Async)]
    [InlineData(FramingMode.Sync)]
    public void Without_ff_03_and_with_a_one_octet_protocol_though_neither_was_negotiated_ip_is_accepted_policy(FramingMode framing)
    {
        // docs/DESIGN.md "framing" and PppHeader: compressed headers are always accepted on receive (LTE modems send
        // them, pppd takes them); sent only when negotiated.
        static SessionSettings NoCompression(SessionSettings s) => s with { Lcp = s.Lcp with { EnablePfc = false, EnableAcfc = false } };
        var pair = NetworkPair(NoCompression(PppSessionTests.Gateway(framing, PppSessionTests.Auth.Chap)), PppSessionTests.Isp(framing, PppSessionTests.Auth.Chap));
        var a = pair.A;
        Assert.False(a.Session.Link!.ReceivePfc);
        Assert.False(a.Session.Link.ReceiveAcfc);
        byte[] packet = FramingTestKit.IcmpEchoPacket();
        byte[] wire;
        if (framing == FramingMode.Async)
        {
            wire = FramingTestKit.Encode(new HdlcEncoder { Compression = PppHeaderCompression.Both }, Ip, packet);
        }
        else
        {
            wire = [0x21, .. packet];
        }

        Receive(a, wire);

        Assert.Equal(packet, Assert.Single(a.Packets, p => p.Protocol == PppProtocol.Ip).Data);
        AssertAnswersEcho(a);
    }
}
