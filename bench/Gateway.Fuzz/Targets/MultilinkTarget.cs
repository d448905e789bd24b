using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;

namespace Gateway.Fuzz;

/// <summary>
/// The Multilink header (RFC 1990 3) and the reassembler fed sequences of fragments through a
/// <see cref="BundleSession"/> with two members, as a receiver's bundle gets them (IPCP and CCP ride inside).
/// Input: options (bit 0 short sequence numbers; bits 1-2 the MRRU; bit 3 small caps; bit 4 a small window), then
/// records of an operation byte and a fragment: operation bits 6-7 = 0 or 1, the fragment arrives on member
/// operation &amp; 3 (2 and 3 never joined) after (operation &gt;&gt; 2) &amp; 15 ms; 2, the earliest timer fires; 3,
/// member operation &amp; 1 leaves (bit 1 clear) or joins again.
/// </summary>
internal sealed class MultilinkTarget : IFuzzTarget, IBundleHandler
{
    private static readonly ushort[] Mrrus = [1500, 296, ushort.MaxValue, 64];

    private readonly Dictionary<BundleTimer, TimeSpan> timers = new();
    private TimeSpan now;
    private ushort mrru;

    public string Name => "mp";

    public string Description => "MpHeaderCodec.TryRead and BundleSession.ReceiveFragment (MpReassembler) over fragment sequences";

    /// <summary>The bundle, its NCPs, and the reassembler's pool growing to its caps (1 MiB, or 64 KiB with small caps).</summary>
    public long AllocationBase => 4 * 1024 * 1024;

    public long AllocationPerByte => 512;

    public void Run(ReadOnlySpan<byte> data)
    {
        timers.Clear();
        now = TimeSpan.Zero;
        var input = new FuzzInput(data);
        byte options = input.Byte();
        bool shortSequence = (options & 1) != 0;
        mrru = Mrrus[(options >> 1) & 3];
        bool smallCaps = (options & 8) != 0;
        var reassembly = new MpReassemblerOptions
        {
            MaxBufferedBytes = smallCaps ? 64 * 1024 : 1 << 20,
            MaxBufferedFragments = smallCaps ? 16 : 1024,
            Window = (options & 16) != 0 ? 8 : null,
        };
        var bundle = new BundleSession(new BundleSettings { Name = "fuzz", Reassembly = reassembly }, this);
        var link = new LcpNegotiated
        {
            PeerMrru = mrru,
            LocalMrru = mrru,
            ReceiveShortSequence = shortSequence,
            SendShortSequence = shortSequence,
            PeerMru = 1500,
            LocalMru = 1500,
        };
        bundle.AddMember(0, link, 1000, now, out _);
        bundle.AddMember(1, link, 1000, now, out _);

        while (!input.IsEmpty)
        {
            byte operation = input.Byte();
            var fragment = input.Chunk();
            switch (operation >> 6)
            {
                case 0:
                case 1:
                    now += TimeSpan.FromMilliseconds((operation >> 2) & 15);
                    MpHeaderCodec.TryRead(fragment, MpSequenceFormat.Long, out _, out _);
                    MpHeaderCodec.TryRead(fragment, MpSequenceFormat.Short, out _, out _);
                    bundle.ReceiveFragment(operation & 3, fragment, now);
                    break;
                case 2:
                    FireNextTimer(bundle);
                    break;
                default:
                    int member = operation & 1;
                    if ((operation & 2) == 0)
                        bundle.RemoveMember(member, now);
                    else
                        bundle.AddMember(member, link, 1000, now, out _);
                    break;
            }
            if (bundle.Reassembler is { } reassembler)
            {
                var statistics = reassembler.Statistics;
                if (statistics.BufferedBytes > reassembly.MaxBufferedBytes || statistics.ReorderDepth > reassembly.MaxBufferedFragments)
                    throw new InvariantException($"reassembler holds {statistics.BufferedBytes} octets in {statistics.ReorderDepth} fragments, beyond its caps");
            }
        }
    }

    private void FireNextTimer(BundleSession bundle)
    {
        if (timers.Count == 0)
            return;
        var (timer, due) = timers.MinBy(t => t.Value);
        timers.Remove(timer);
        if (due > now)
            now = due;
        bundle.TimerExpired(timer, now);
    }

    public void SendFragment(int member, ReadOnlySpan<byte> fragment)
    {
    }

    public void StartTimer(BundleTimer timer, TimeSpan interval) => timers[timer] = now + interval;

    public void StopTimer(BundleTimer timer) => timers.Remove(timer);

    public void OnEvent(SessionEvent bundleEvent)
    {
    }

    public void OnIpPacket(ReadOnlySpan<byte> packet)
    {
        // RFC 1990 5.1.1: nothing reassembled is larger than the MRRU (the protocol field included).
        if (packet.Length > mrru)
            throw new InvariantException($"a {packet.Length}-octet packet reassembled under an MRRU of {mrru}");
    }
}
