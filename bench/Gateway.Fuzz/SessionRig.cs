using System.Buffers.Binary;
using System.Net;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Framing;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;

namespace Gateway.Fuzz;

/// <summary>How the session under test is set up and how far it gets with an honest peer before the fuzz input.</summary>
[Flags]
internal enum RigOptions : byte
{
    /// <summary>Bits 0-1: where the fuzz input starts (see <see cref="RigStart"/>).</summary>
    StartMask = 0x03,

    /// <summary>Bits 2-4: who authenticates whom (see <see cref="SessionRig.Create"/>).</summary>
    AuthMask = 0x1C,

    /// <summary>Both ends ask for Link-Quality-Reports (RFC 1989).</summary>
    Lqr = 0x20,

    /// <summary>Multilink member links (no IPCP, MRRU, short sequence numbers, endpoint discriminator), as the receiver runs them.</summary>
    Member = 0x40,

    /// <summary>Async HDLC-like framing (RFC 1662) instead of one frame per datagram.</summary>
    Async = 0x80,
}

internal enum RigStart : byte
{
    /// <summary>Only the session under test is started: the fuzz input is the whole peer.</summary>
    Alone,

    /// <summary>Both started; the fuzz input arrives while LCP negotiates.</summary>
    Negotiating,

    /// <summary>LCP is Opened (authentication may be running).</summary>
    LinkOpened,

    /// <summary>The Network phase (IPCP Opened when the session runs it).</summary>
    Network,
}

/// <summary>
/// The session under test (A) and an honest peer (B) back to back, on a virtual clock, with fixed magic numbers and
/// challenges so that one input always runs the same way. The fuzz input is injected into A as frames from the peer,
/// interleaved with the honest exchange and timer expiries, as a man in the middle would.
/// </summary>
internal sealed class SessionRig
{
    /// <summary>
    /// Frames moved per record at most. Two sessions go quiet long before (the automaton's counters bound every
    /// exchange that no timer paces), so frames still flowing after this many are a livelock, reported as one.
    /// </summary>
    private const int PumpLimit = 256;

    private readonly Queue<(End To, byte[] Bytes)> wire = new();
    private readonly HdlcEncoder injectEncoder = new();
    private readonly byte[] injectBuffer = new byte[HdlcEncoder.MaxEncodedLength(ushort.MaxValue + 8)];

    private SessionRig(RigOptions options, SessionSettings a, SessionSettings b)
    {
        Options = options;
        A = new End(this, a);
        B = new End(this, b);
        A.Peer = B;
        B.Peer = A;
    }

    public RigOptions Options { get; }

    public End A { get; }

    public End B { get; }

    public TimeSpan Now { get; private set; }

    /// <summary>Sees every frame either end sends (the seed generator records the honest exchange with it).</summary>
    public Action<End, ReadOnlySpan<byte>>? Tap { get; set; }

    public bool Async => (Options & RigOptions.Async) != 0;

    public static SessionRig Create(RigOptions options)
    {
        int auth = ((int)(options & RigOptions.AuthMask)) >> 2;
        // 0 none; 1 A checks B by PAP; 2 by CHAP; 3 B checks A by PAP; 4 by CHAP; 5 both PAP; 6 both CHAP; 7 A CHAP, B PAP.
        bool aPap = auth is 1 or 5, aChap = auth is 2 or 6 or 7, bPap = auth is 3 or 5 or 7, bChap = auth is 4 or 6;
        bool member = (options & RigOptions.Member) != 0;
        bool lqr = (options & RigOptions.Lqr) != 0;
        EndpointDiscriminator.TryCreateLabel("vpn", out var enddisc, out _);
        SessionSettings Settings(string name, bool pap, bool chap, uint magicBase, IPAddress local, IPAddress? peer) => new()
        {
            Name = name,
            Framing = (options & RigOptions.Async) != 0 ? FramingMode.Async : FramingMode.Sync,
            Lcp = LcpSettings.Default with
            {
                EnablePap = pap,
                EnableChap = chap,
                EnableLqr = lqr,
                LqrPeriod = 100,
                Mrru = member ? (ushort)1500 : null,
                EndpointDiscriminator = member ? enddisc : null,
                Accm = member ? null : 0,
            },
            Ipcp = member ? null : IpcpSettings.Default with { LocalAddress = local, PeerAddress = peer, RequestDns = peer is null },
            Compression = member ? CompressionControl.ProtocolReject : CompressionControl.RefuseAll,
            AuthName = name,
            AuthKey = Secret.FromText(name + "-key"),
            Secrets = new InMemorySecretStore().Add("a", Secret.FromText("a-key")).Add("b", Secret.FromText("b-key")),
            Random = new CountingRandom((byte)magicBase),
            MagicSource = new MagicCounter(magicBase).Next,
        };
        var a = Settings("a", aPap, aChap, 0x0A000001, IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"));
        var b = Settings("b", bPap, bChap, 0x0B000001, IPAddress.Any, null) with
        {
            Ipcp = member ? null : IpcpSettings.Default with { LocalAddress = IPAddress.Any, RequestDns = true },
        };
        return new SessionRig(options, a, b);
    }

    /// <summary>Starts the pair and runs the honest exchange to the start point the options name.</summary>
    public void Start()
    {
        var start = (RigStart)(Options & RigOptions.StartMask);
        A.Session.Start();
        if (start == RigStart.Alone)
        {
            B.Connected = false;
            return;
        }
        B.Session.Start();
        switch (start)
        {
            case RigStart.Negotiating:
                Pump(2);
                break;
            case RigStart.LinkOpened:
                RunUntil(() => A.Session.LcpState == FsmState.Opened);
                break;
            case RigStart.Network:
                RunUntil(() => A.Session.Phase == LinkPhase.Network && A.Session.IpcpState is null or FsmState.Opened);
                break;
        }
    }

    /// <summary>Moves queued frames until the wire is quiet; at most <paramref name="limit"/> (a smaller one stops early on purpose).</summary>
    public void Pump(int limit = PumpLimit)
    {
        for (int i = 0; i < limit && wire.Count > 0; i++)
        {
            var (to, bytes) = wire.Dequeue();
            to.Deliver(bytes);
        }
        if (limit == PumpLimit && wire.Count > 0)
            throw new InvariantException($"livelock: the sessions still exchange frames after {PumpLimit} without a timer");
    }

    /// <summary>The earliest timer of either end fires (the clock jumps to it), then the wire is pumped.</summary>
    public void FireNextTimer()
    {
        var next = A.NextTimer() is { } ta && (B.NextTimer() is not { } tb0 || ta.Due <= tb0.Due) ? (A, ta) : B.NextTimer() is { } tb ? (B, tb) : default;
        if (next.Item1 is null)
            return;
        Now = next.Item2.Due;
        next.Item1.Fire(next.Item2.Timer);
        Pump();
    }

    private void RunUntil(Func<bool> condition)
    {
        for (int i = 0; i < 64 && !condition(); i++)
        {
            Pump();
            if (!condition())
                FireNextTimer();
        }
    }

    /// <summary>A frame of <paramref name="protocol"/> from the peer's side of the wire, framed as the link frames.</summary>
    public void Inject(ushort protocol, ReadOnlySpan<byte> information) => InjectRaw(Frame(protocol, information));

    private ReadOnlySpan<byte> Frame(ushort protocol, ReadOnlySpan<byte> information)
    {
        int written = Async
            ? injectEncoder.Encode(protocol, information, injectBuffer)
            : SyncFrameEncoder.Encode(protocol, information, injectBuffer);
        return injectBuffer.AsSpan(0, written);
    }

    /// <summary>Octets (async) or a datagram (sync) from the peer's side of the wire.</summary>
    public void InjectRaw(ReadOnlySpan<byte> bytes)
    {
        A.DeliverSpan(bytes);
        Pump();
    }

    /// <summary>
    /// BAD-INPUT.md: whatever came before, a session whose LCP is Opened still answers a valid Echo-Request.
    /// </summary>
    public void AssertStillAnswersEcho()
    {
        if (A.Session.LcpState != FsmState.Opened || A.Session.Link is not { } link)
            return;
        Span<byte> echo = stackalloc byte[ControlPacket.HeaderLength + 8];
        echo[0] = (byte)ControlCode.EchoRequest;
        echo[1] = 0xA5;
        BinaryPrimitives.WriteUInt16BigEndian(echo[2..], (ushort)echo.Length);
        BinaryPrimitives.WriteUInt32BigEndian(echo[4..], link.PeerMagic);
        "live"u8.CopyTo(echo[8..]);
        A.EchoRepliesSeen = 0;
        A.DeliverSpan(Frame((ushort)PppProtocol.Lcp, echo));
        if (A.EchoRepliesSeen == 0)
            throw new InvariantException($"LCP Opened but no Echo-Reply (phase {A.Session.Phase}, LCP {A.Session.LcpState})");
    }

    internal readonly record struct PendingTimer(TimeSpan Due, SessionTimer Timer);

    internal sealed class End : ISessionHandler
    {
        private readonly SessionRig rig;
        private readonly Dictionary<SessionTimer, TimeSpan> timers = new();
        private readonly HdlcDecoder replyDecoder = HdlcDecoder.ForMru(ushort.MaxValue);

        public End(SessionRig rig, SessionSettings settings)
        {
            this.rig = rig;
            Session = new PppSession(settings, this);
        }

        public PppSession Session { get; }

        public End Peer { get; set; } = null!;

        /// <summary>False: frames sent to this end are lost (the peer never started).</summary>
        public bool Connected { get; set; } = true;

        public int EchoRepliesSeen { get; set; }

        /// <summary>Packets the session hands up (IP, Multilink, LQR, other protocols of a member link).</summary>
        public Action<PppProtocol, ReadOnlySpan<byte>>? PacketArrived { get; set; }

        public Action<SessionEvent>? EventArrived { get; set; }

        public void SendFrame(ReadOnlySpan<byte> frame)
        {
            rig.Tap?.Invoke(this, frame);
            if (this == rig.A)
                Inspect(frame);
            if (Peer.Connected)
                rig.wire.Enqueue((Peer, frame.ToArray()));
        }

        // What the session under test sends: no packet beyond the peer's MRU (RFC 1661 6.1: 1500 until LCP agreed on
        // another; BAD-INPUT.md: replies stay bounded whatever the peer sent), and the answer to the liveness probe.
        private void Inspect(ReadOnlySpan<byte> frame)
        {
            if (rig.Async)
            {
                // Our own encoder's output: one whole frame between flags.
                replyDecoder.Reset();
                var copy = frame;
                if (replyDecoder.TryReadFrame(ref copy, out var decoded))
                    Inspect(decoded.Protocol, decoded.Information);
            }
            else if (PppHeader.TryRead(frame, out var decoded) == PppHeaderStatus.Ok)
            {
                Inspect(decoded.Protocol, decoded.Information);
            }
        }

        private void Inspect(ushort protocol, ReadOnlySpan<byte> information)
        {
            int limit = Session.Link?.PeerMru ?? LcpSettings.DefaultMru;
            if (information.Length > limit)
                throw new InvariantException($"sent a {information.Length}-octet {(PppProtocol)protocol} packet to a peer whose MRU is {limit}");
            if (protocol == (ushort)PppProtocol.Lcp && information.Length >= 2 && information[0] == (byte)ControlCode.EchoReply && information[1] == 0xA5)
                EchoRepliesSeen++;
        }

        public void StartTimer(SessionTimer timer, TimeSpan interval) => timers[timer] = rig.Now + interval;

        public void StopTimer(SessionTimer timer) => timers.Remove(timer);

        public void OnEvent(SessionEvent sessionEvent) => EventArrived?.Invoke(sessionEvent);

        public void OnPacket(PppProtocol protocol, ReadOnlySpan<byte> information) => PacketArrived?.Invoke(protocol, information);

        internal PendingTimer? NextTimer()
        {
            PendingTimer? best = null;
            foreach (var (timer, due) in timers)
                if (best is null || due < best.Value.Due)
                    best = new PendingTimer(due, timer);
            return best;
        }

        internal void Fire(SessionTimer timer)
        {
            timers.Remove(timer);
            Session.TimerExpired(timer);
        }

        internal void Deliver(byte[] bytes) => DeliverSpan(bytes);

        internal void DeliverSpan(ReadOnlySpan<byte> bytes)
        {
            if (Session.Framing == FramingMode.Sync)
                Session.ReceiveDatagram(bytes);
            else
                Session.ReceiveBytes(bytes);
        }
    }

    /// <summary>Magic numbers 1, 2, 3 ... from a base: distinct per end, the same on every run.</summary>
    private sealed class MagicCounter(uint start)
    {
        private uint next = start;

        public uint Next() => next++;
    }
}
