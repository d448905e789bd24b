using Gateway.Core.Ppp.Auth;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Framing;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Lqr;
using Gateway.Core.Ppp.Multilink;

namespace Gateway.Core.Ppp.Session;

/// <summary>
/// One PPP link, from Dead to Network and back (RFC 1661 section 3): it ties the framer, LCP, PAP/CHAP in both
/// directions, IPCP and CCP together. The transport feeds it octets (<see cref="ReceiveBytes"/>) or datagrams
/// (<see cref="ReceiveDatagram"/>) and timer expiries; the session answers through its <see cref="ISessionHandler"/>
/// with frames to send, timers to arm, events and network-layer packets. No sockets, threads, clocks or actors:
/// the owner (an actor, a test) decides how those happen. Not thread-safe: one caller at a time.
/// </summary>
/// <remarks>
/// Departures and choices, each where RFC 1661 leaves room:
/// <list type="bullet">
/// <item>Frames of other protocols before the phase that admits them are discarded silently and counted
/// (RFC 1661 3.3-3.5). A frame of a protocol we do not run gets a Protocol-Reject, but only while LCP is Opened
/// (RFC 1661 5.7); before that it is counted and dropped.</item>
/// <item>A Protocol-Reject of IPCP ends the link (there is nothing to carry); one of CCP only stops CCP. Either is
/// reported (<see cref="ProtocolRejectedByPeer"/>). On a Multilink member link, a Protocol-Reject of a protocol the
/// bundle runs is reported with <c>ForBundle</c> set, for the owner to pass to the bundle.</item>
/// <item>An authentication failure in either direction closes LCP with the reason, as FreeBSD ppp does.</item>
/// </list>
/// </remarks>
public sealed class PppSession
{
    private readonly SessionSettings settings;
    private readonly ISessionHandler handler;
    private readonly LinkControlProtocol lcp;
    private readonly Ipcp.IpControlProtocol? ipcp;
    private readonly Ccp.CompressionControlProtocol? ccp;
    private readonly HdlcEncoder? hdlcEncoder;
    private readonly HdlcDecoder? hdlcDecoder;
    private readonly SyncFrameDecoder? syncDecoder;
    private PppHeaderCompression sendCompression;
    private byte[] sendBuffer;
    private AuthRole? authenticateSelf;
    private AuthRole? authenticatePeer;
    private bool selfDone;
    private bool peerDone;
    private string? downReason;
    private FsmState lcpPrevious;

    public PppSession(SessionSettings settings, ISessionHandler handler)
    {
        this.settings = settings ?? throw new ArgumentNullException(nameof(settings));
        this.handler = handler ?? throw new ArgumentNullException(nameof(handler));
        lcp = new LinkControlProtocol(settings.Lcp, settings.LcpFsm ?? settings.Fsm, settings.MagicSource);
        if (settings.Ipcp is not null)
            ipcp = new Ipcp.IpControlProtocol(settings.Ipcp, settings.IpcpFsm ?? settings.Fsm);
        if (settings.Compression == CompressionControl.RefuseAll)
            ccp = new Ccp.CompressionControlProtocol(settings.CcpFsm ?? settings.Fsm);
        if (settings.Framing == FramingMode.Async)
        {
            hdlcEncoder = new HdlcEncoder();
            hdlcDecoder = HdlcDecoder.ForMru(Math.Max((int)settings.Lcp.Mru, LcpSettings.DefaultMru));
        }
        else
        {
            syncDecoder = new SyncFrameDecoder();
        }
        sendBuffer = new byte[MaxFrame(LcpSettings.DefaultMru)];
    }

    public string Name => settings.Name;

    public FramingMode Framing => settings.Framing;

    public LinkPhase Phase { get; private set; } = LinkPhase.Dead;

    public FsmState LcpState => lcp.State;

    public FsmState? IpcpState => ipcp?.State;

    /// <summary>What LCP agreed, while it is Opened.</summary>
    public LcpNegotiated? Link => lcp.Negotiated;

    /// <summary>The header compression LCP agreed for what we send (fixed from the Network phase on).</summary>
    public PppHeaderCompression SendCompression => sendCompression;

    /// <summary>MYADDR / HISADDR / DNS, while IPCP is Opened.</summary>
    public Ipcp.IpcpNegotiated? Network => ipcp?.Negotiated;

    public SessionCounters Counters { get; } = new();

    public ControlCounters LcpCounters => lcp.Counters;

    public ControlCounters? IpcpCounters => ipcp?.Counters;

    /// <summary>Receive counters of the framing layer (for LQR and the dashboard).</summary>
    public FramingCounters FramingCounters => hdlcDecoder?.Counters ?? syncDecoder!.Counters;

    /// <summary>Octets and frames sent (async framing counts flags and escapes).</summary>
    public long FramesOut { get; private set; }

    public long OctetsOut { get; private set; }

    /// <summary>
    /// This link's counters as LQR reports them (RFC 1989 section 2.2, 32-bit and wrapping): frames sent, LQRs
    /// included; octets as that section counts them (no escapes, one flag per frame); good frames received; frames
    /// received with errors; good frames discarded (before their phase, of a protocol we do not run, IP before IPCP).
    /// </summary>
    public LinkCounters QualityCounters
    {
        get
        {
            var framing = FramingCounters;
            long discards = Counters.DiscardedByPhase + Counters.ProtocolRejectsSent + Counters.UnknownProtocolDropped + Counters.IpDroppedNotOpen;
            return new LinkCounters(
                OutPackets: (uint)FramesOut,
                OutOctets: (uint)(hdlcEncoder?.QualityOctetsOut ?? OctetsOut),
                InPackets: (uint)framing.FramesIn,
                InOctets: (uint)framing.OctetsIn,
                InGoodOctets: (uint)framing.QualityOctets,
                InErrors: (uint)framing.InErrors,
                InDiscards: (uint)discards);
        }
    }

    /// <summary>Counters of the authentication roles of the current link, when they ran.</summary>
    public AuthCounters? AuthenticateSelfCounters => authenticateSelf?.Counters;

    public AuthCounters? AuthenticatePeerCounters => authenticatePeer?.Counters;

    /// <summary>Administrative Open (FreeBSD's <c>dial</c>/<c>open</c>): LCP will negotiate once the lower layer is up.</summary>
    public void Open()
    {
        downReason = null;
        if (Phase == LinkPhase.Dead)
            SetPhase(LinkPhase.Establish);
        Apply(lcp.Open());
    }

    /// <summary>The lower layer (carrier, socket) is up.</summary>
    public void LowerUp()
    {
        hdlcDecoder?.Reset();
        Apply(lcp.Up());
    }

    /// <summary>Administrative Open on a lower layer that is already up.</summary>
    public void Start()
    {
        Open();
        LowerUp();
    }

    /// <summary>The lower layer went away (carrier lost, device closed): everything stops at once.</summary>
    public void LowerDown(string reason)
    {
        downReason ??= reason;
        Apply(lcp.Down());
        if (Phase != LinkPhase.Dead && lcp.State is FsmState.Initial or FsmState.Starting)
            Finish();
    }

    /// <summary>Administrative Close (FreeBSD's <c>close</c>): Terminate-Request, then Dead.</summary>
    public void Close(string reason)
    {
        downReason ??= reason;
        Apply(lcp.Close());
        if (Phase != LinkPhase.Dead && lcp.State is FsmState.Initial or FsmState.Closed)
            Finish();
    }

    /// <summary>Octets from a byte-stream transport, cut anywhere.</summary>
    public void ReceiveBytes(ReadOnlySpan<byte> bytes)
    {
        if (hdlcDecoder is null)
            throw new InvalidOperationException("This session uses sync framing: call ReceiveDatagram.");
        var input = bytes;
        while (hdlcDecoder.TryReadFrame(ref input, out var frame))
            Dispatch(frame.Protocol, frame.Information);
    }

    /// <summary>One datagram from a datagram transport (one frame).</summary>
    public void ReceiveDatagram(ReadOnlySpan<byte> datagram)
    {
        if (syncDecoder is null)
            throw new InvalidOperationException("This session uses async framing: call ReceiveBytes.");
        if (syncDecoder.TryDecode(datagram, out var frame))
            Dispatch(frame.Protocol, frame.Information);
    }

    public void TimerExpired(SessionTimer timer)
    {
        switch (timer)
        {
            case SessionTimer.Lcp:
                Apply(lcp.RestartTimerExpired());
                break;
            case SessionTimer.Ipcp when ipcp is not null:
                Apply(ipcp.RestartTimerExpired(), ipcp);
                break;
            case SessionTimer.Ccp when ccp is not null:
                Apply(ccp.RestartTimerExpired(), ccp);
                break;
            case SessionTimer.AuthenticateSelf when authenticateSelf is not null:
                ApplyAuth(authenticateSelf, authenticateSelf.TimerExpired(), self: true);
                break;
            case SessionTimer.AuthenticatePeer when authenticatePeer is not null:
                ApplyAuth(authenticatePeer, authenticatePeer.TimerExpired(), self: false);
                break;
        }
    }

    /// <summary>
    /// Sends a network-layer packet (IP once IPCP is Opened; Multilink or LQR once LCP agreed on them).
    /// Returns false, counted, when the phase does not allow it or it exceeds the peer's MRU.
    /// </summary>
    public bool SendPacket(PppProtocol protocol, ReadOnlySpan<byte> information)
    {
        bool allowed = protocol switch
        {
            PppProtocol.Ip => ipcp?.State == FsmState.Opened,
            PppProtocol.Multilink => Phase == LinkPhase.Network && lcp.Negotiated?.Multilink == true,
            PppProtocol.Lqr => lcp.State == FsmState.Opened,
            _ => Phase == LinkPhase.Network,
        };
        if (!allowed || information.Length > (lcp.Negotiated?.PeerMru ?? LcpSettings.DefaultMru))
        {
            Counters.SendRefused++;
            return false;
        }
        SendFrame((ushort)protocol, information);
        return true;
    }

    /// <summary>Sends an LCP Echo-Request (keepalive); false when LCP is not Opened.</summary>
    public bool SendEchoRequest(byte identifier, ReadOnlySpan<byte> data)
    {
        var packet = lcp.BuildEchoRequest(identifier, data);
        if (packet is null)
            return false;
        SendFrame((ushort)PppProtocol.Lcp, packet);
        return true;
    }

    /// <summary>Sends a Link-Quality-Report (RFC 1989 section 2.6); false, counted, when LCP is not Opened.</summary>
    public bool SendQualityReport(in LqrPacket report)
    {
        Span<byte> body = stackalloc byte[LqrPacket.Length];
        report.WriteTo(body);
        return SendPacket(PppProtocol.Lqr, body);
    }

    private void Dispatch(ushort protocol, ReadOnlySpan<byte> information)
    {
        switch ((PppProtocol)protocol)
        {
            case PppProtocol.Lcp:
                Apply(lcp.Receive(information));
                return;
            case PppProtocol.Pap:
            case PppProtocol.Chap:
                ReceiveAuthentication((PppProtocol)protocol, information);
                return;
            case PppProtocol.Lqr:
                if (lcp.Negotiated is { } q && (q.SendLqrPeriod is not null || q.ReceiveLqrPeriod is not null))
                    handler.OnPacket(PppProtocol.Lqr, information);
                else
                    ProtocolReject(protocol, information);
                return;
        }

        if (Phase != LinkPhase.Network)
        {
            // RFC 1661 3.3-3.5: before the Network phase only LCP, authentication and quality packets count.
            Counters.DiscardedByPhase++;
            return;
        }

        switch ((PppProtocol)protocol)
        {
            case PppProtocol.Ipcp when ipcp is not null:
                Apply(ipcp.Receive(information), ipcp);
                break;
            case PppProtocol.Ccp when ccp is not null:
                Apply(ccp.Receive(information), ccp);
                break;
            case PppProtocol.Ip when ipcp is not null:
                if (ipcp.State == FsmState.Opened)
                    handler.OnPacket(PppProtocol.Ip, information);
                else
                    Counters.IpDroppedNotOpen++;
                break;
            case PppProtocol.Multilink when lcp.Negotiated?.Multilink == true:
                handler.OnPacket(PppProtocol.Multilink, information);
                break;
            case var _ when ipcp is null && ccp is null:
                // A Multilink member link: its bundle runs the NCPs and decides what to reject (RejectProtocol).
                handler.OnPacket((PppProtocol)protocol, information);
                break;
            default:
                ProtocolReject(protocol, information);
                break;
        }
    }

    /// <summary>Sends a Protocol-Reject for a packet the owner (a bundle) does not run; only while LCP is Opened.</summary>
    public void RejectProtocol(ushort protocol, ReadOnlySpan<byte> information) => ProtocolReject(protocol, information);

    private void ProtocolReject(ushort protocol, ReadOnlySpan<byte> information)
    {
        var reject = lcp.BuildProtocolReject(protocol, information);
        if (reject is null)
        {
            Counters.UnknownProtocolDropped++;
            return;
        }
        Counters.ProtocolRejectsSent++;
        SendFrame((ushort)PppProtocol.Lcp, reject);
    }

    private void ReceiveAuthentication(PppProtocol protocol, ReadOnlySpan<byte> information)
    {
        if (Phase is not (LinkPhase.Authenticate or LinkPhase.Network))
        {
            Counters.DiscardedByPhase++;
            return;
        }
        // RFC 1994 4 / RFC 1334 2.2: requests and challenges go to the role that answers them, replies to the
        // role that asked. Codes 1 (Challenge / Authenticate-Request) are the authenticator's to receive for
        // PAP and the peer's to receive for CHAP.
        byte code = information.IsEmpty ? (byte)0 : information[0];
        bool toPeerRole = protocol == PppProtocol.Chap ? code == 1 || code == 3 || code == 4 : code == 2 || code == 3;
        var role = toPeerRole ? authenticateSelf : authenticatePeer;
        if (role is null || role.Protocol != protocol)
        {
            // Authentication we never agreed on: RFC 1661 says to ignore it; count it.
            Counters.DiscardedByPhase++;
            return;
        }
        ApplyAuth(role, role.Receive(information), self: toPeerRole);
    }

    private void Apply(IReadOnlyList<ControlOutput> outputs, ControlProtocol? ncp = null)
    {
        var protocol = ncp ?? (ControlProtocol)lcp;
        foreach (var output in outputs)
        {
            switch (output)
            {
                case SendControlPacket send:
                    SendFrame((ushort)send.Protocol, send.Packet);
                    break;
                case StartRestartTimer start:
                    handler.StartTimer(TimerOf(protocol), start.Interval);
                    break;
                case StopRestartTimer:
                    handler.StopTimer(TimerOf(protocol));
                    break;
                case FsmStateChanged changed:
                    if (changed.Protocol == PppProtocol.Lcp)
                        lcpPrevious = changed.From;
                    handler.OnEvent(new ProtocolStateChanged(Name, changed.Protocol, changed.From, changed.To));
                    break;
                case ThisLayer layer:
                    OnLayer(layer);
                    break;
                case CodeRejectReceived { Catastrophic: true } codeReject:
                    downReason ??= $"{codeReject.Protocol}: peer Code-Rejected code {codeReject.RejectedCode}";
                    break;
                case EchoReplyReceived echo:
                    handler.OnEvent(new EchoReply(Name, echo.Identifier, echo.Magic, echo.Data));
                    break;
                case ProtocolRejected rejected:
                    OnProtocolRejected(rejected.Protocol);
                    break;
                case LoopbackDetected loop:
                    downReason ??= $"LCP: loop-back detected (our magic number 0x{loop.Magic:x8} came back {loop.Rounds} times)";
                    Close(downReason);
                    break;
            }
        }
    }

    private SessionTimer TimerOf(ControlProtocol protocol) => protocol.Protocol switch
    {
        PppProtocol.Ipcp => SessionTimer.Ipcp,
        PppProtocol.Ccp => SessionTimer.Ccp,
        _ => SessionTimer.Lcp,
    };

    private void OnLayer(ThisLayer layer)
    {
        switch (layer.Protocol, layer.Signal)
        {
            case (PppProtocol.Lcp, LayerSignal.Up):
                LcpUp();
                break;
            case (PppProtocol.Lcp, LayerSignal.Down):
                LcpDown();
                break;
            case (PppProtocol.Lcp, LayerSignal.Started):
                if (Phase == LinkPhase.Dead)
                    SetPhase(LinkPhase.Establish);
                break;
            case (PppProtocol.Lcp, LayerSignal.Finished):
                Finish();
                break;
            case (PppProtocol.Ipcp, LayerSignal.Up):
                handler.OnEvent(new NetworkUp(Name, ipcp!.Negotiated!));
                if (!ipcp.Negotiated!.PeerAddressKnown)
                    handler.OnEvent(new PeerAddressUnknown(Name));
                break;
            case (PppProtocol.Ipcp, LayerSignal.Down):
                handler.OnEvent(new NetworkDown(Name));
                break;
            case (PppProtocol.Ipcp, LayerSignal.Finished) when Phase == LinkPhase.Network:
                // IPCP gave up (Max-Configure, or the peer terminated it): nothing left to carry.
                downReason ??= "IPCP: negotiation ended without agreement";
                Close(downReason);
                break;
        }
    }

    private void LcpUp()
    {
        var negotiated = lcp.Negotiated!;
        if (hdlcEncoder is not null)
        {
            hdlcEncoder.SendAccm = negotiated.SendAccm;
            hdlcDecoder!.ReceiveAccm = negotiated.ReceiveAccm;
        }
        sendCompression = (negotiated.SendAcfc ? PppHeaderCompression.AddressControl : 0)
                          | (negotiated.SendPfc ? PppHeaderCompression.Protocol : 0);
        if (hdlcEncoder is not null)
            hdlcEncoder.Compression = sendCompression;
        ipcp?.SetPeerMru(negotiated.PeerMru);
        ccp?.SetPeerMru(negotiated.PeerMru);
        if (sendBuffer.Length < MaxFrame(negotiated.PeerMru))
            sendBuffer = new byte[MaxFrame(negotiated.PeerMru)];
        handler.OnEvent(new LinkEstablished(Name, negotiated));

        if (negotiated.PeerRefusedAuthentication)
        {
            downReason ??= "LCP: the peer refused to authenticate";
            Close(downReason);
            return;
        }

        authenticateSelf = CreateSelfRole(negotiated.AuthenticateToPeer);
        authenticatePeer = CreatePeerRole(negotiated.AuthenticatePeer);
        selfDone = authenticateSelf is null;
        peerDone = authenticatePeer is null;
        if (selfDone && peerDone)
        {
            EnterNetwork();
            return;
        }
        SetPhase(LinkPhase.Authenticate);
        // The authenticator speaks first (CHAP challenge); the PAP peer sends its request at once too.
        if (authenticatePeer is not null)
            ApplyAuth(authenticatePeer, authenticatePeer.Start(), self: false);
        if (authenticateSelf is not null && Phase == LinkPhase.Authenticate)
            ApplyAuth(authenticateSelf, authenticateSelf.Start(), self: true);
    }

    private AuthRole? CreateSelfRole(LcpAuthentication protocol) => protocol switch
    {
        LcpAuthentication.Pap => new PapPeer(new PapPeerSettings(settings.AuthName, settings.AuthKey)
        {
            RestartInterval = PapTiming.RestartInterval,
            MaxRequests = PapTiming.MaxTries,
        }),
        LcpAuthentication.ChapMd5 => new ChapPeer(new ChapPeerSettings(settings.AuthName, settings.AuthKey)
        {
            RestartInterval = ChapTiming.RestartInterval,
            MaxResponses = ChapTiming.MaxTries,
            ChallengeTimeout = ChapTiming.PeerWait,
        }),
        _ => null,
    };

    private AuthRole? CreatePeerRole(LcpAuthentication protocol) => protocol switch
    {
        LcpAuthentication.Pap => new PapAuthenticator(
            new PapAuthenticatorSettings { RequestTimeout = PapTiming.PeerWait }, Secrets),
        LcpAuthentication.ChapMd5 => new ChapAuthenticator(
            new ChapAuthenticatorSettings(settings.AuthName)
            {
                RestartInterval = ChapTiming.RestartInterval,
                MaxChallenges = ChapTiming.MaxTries,
            },
            Secrets,
            settings.Random),
        _ => null,
    };

    private ISecretStore Secrets => settings.Secrets ?? new InMemorySecretStore();

    private AuthRetry PapTiming => settings.PapRetry ?? SharedAuthTiming;

    private AuthRetry ChapTiming => settings.ChapRetry ?? SharedAuthTiming;

    private AuthRetry SharedAuthTiming => new(settings.AuthRestartInterval, settings.AuthMaxTries) { PeerWait = settings.AuthPeerWait };

    private void ApplyAuth(AuthRole role, AuthOutput output, bool self)
    {
        if (output.Packet is { } packet)
            SendFrame((ushort)role.Protocol, packet);
        var timer = self ? SessionTimer.AuthenticateSelf : SessionTimer.AuthenticatePeer;
        switch (output.Timer.Action)
        {
            case TimerAction.Start:
                handler.StartTimer(timer, output.Timer.Interval);
                break;
            case TimerAction.Stop:
                handler.StopTimer(timer);
                break;
        }
        switch (output.Result)
        {
            case AuthResult.Succeeded ok:
                handler.OnEvent(new Authenticated(Name, role.Protocol, PeerAuthenticated: !self, ok.PeerName));
                if (self)
                    selfDone = true;
                else
                    peerDone = true;
                if (Phase == LinkPhase.Authenticate && selfDone && peerDone)
                    EnterNetwork();
                break;
            case AuthResult.Failed failed:
                downReason ??= failed.Reason;
                Close(failed.Reason);
                break;
        }
    }

    private void EnterNetwork()
    {
        SetPhase(LinkPhase.Network);
        if (ipcp is not null)
        {
            Apply(ipcp.Open(), ipcp);
            Apply(ipcp.Up(), ipcp);
        }
        if (ccp is not null && Phase == LinkPhase.Network)
        {
            Apply(ccp.Open(), ccp);
            Apply(ccp.Up(), ccp);
        }
    }

    private void OnProtocolRejected(PppProtocol protocol)
    {
        bool memberLink = ipcp is null && ccp is null;
        handler.OnEvent(new ProtocolRejectedByPeer(Name, protocol, ForBundle: memberLink && BundleSession.IsBundleProtocol(protocol)));
        switch (protocol)
        {
            case PppProtocol.Ipcp when ipcp is not null:
                downReason ??= "IPCP: the peer Protocol-Rejected IPCP";
                Close(downReason);
                break;
            case PppProtocol.Ccp when ccp is not null:
                // RXJ- (RFC 1661 4.1): CCP stops without a Terminate-Request to a peer that does not run it.
                Apply(ccp.PeerRejectedProtocol(), ccp);
                break;
        }
    }

    private void LcpDown()
    {
        StopNetwork();
        if (Phase != LinkPhase.Dead)
            SetPhase(lcp.State is FsmState.Closing or FsmState.Stopping ? LinkPhase.Terminate : LinkPhase.Establish);
    }

    private void StopNetwork()
    {
        if (ipcp is not null)
            Apply(ipcp.Down(), ipcp);
        if (ccp is not null)
            Apply(ccp.Down(), ccp);
        StopAuthentication();
    }

    private void StopAuthentication()
    {
        if (authenticateSelf is not null)
            handler.StopTimer(SessionTimer.AuthenticateSelf);
        if (authenticatePeer is not null)
            handler.StopTimer(SessionTimer.AuthenticatePeer);
        authenticateSelf = null;
        authenticatePeer = null;
    }

    private void Finish()
    {
        if (Phase == LinkPhase.Dead)
            return;
        StopNetwork();
        if (ipcp is not null)
            Apply(ipcp.Close(), ipcp);
        if (ccp is not null)
            Apply(ccp.Close(), ccp);
        SetPhase(LinkPhase.Dead);
        string reason = downReason ?? (lcpPrevious switch
        {
            FsmState.Stopping => "LCP: the peer terminated the link",
            FsmState.ReqSent or FsmState.AckRcvd or FsmState.AckSent => "LCP: no agreement after Max-Configure requests",
            _ => "LCP: link finished",
        });
        downReason = null;
        handler.OnEvent(new LinkDown(Name, reason));
    }

    private void SetPhase(LinkPhase phase)
    {
        if (phase == Phase)
            return;
        var from = Phase;
        Phase = phase;
        handler.OnEvent(new PhaseChanged(Name, from, phase));
    }

    private static int MaxFrame(int mru) => HdlcEncoder.MaxEncodedLength(Math.Max(mru, LcpSettings.DefaultMru));

    private void SendFrame(ushort protocol, ReadOnlySpan<byte> information)
    {
        int needed = MaxFrame(information.Length);
        if (sendBuffer.Length < needed)
            sendBuffer = new byte[needed];
        int written;
        if (hdlcEncoder is not null)
        {
            written = hdlcEncoder.Encode(protocol, information, sendBuffer);
        }
        else
        {
            // RFC 1661 6.5/6.6: LCP keeps the full header whatever was negotiated.
            var compression = protocol == (ushort)PppProtocol.Lcp ? PppHeaderCompression.None : sendCompression;
            written = SyncFrameEncoder.Encode(protocol, information, sendBuffer, compression);
        }
        FramesOut++;
        OctetsOut += written;
        handler.SendFrame(sendBuffer.AsSpan(0, written));
    }
}
