using Gateway.Core.Ppp.Ccp;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Ipv6cp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Session;

namespace Gateway.Core.Ppp.Multilink;

/// <summary>The timers a bundle asks its owner to run.</summary>
public enum BundleTimer : byte
{
    Ipcp,
    Ccp,

    /// <summary>IPV6CP's restart timer (only when <see cref="BundleSettings.Ipv6cp"/> is set).</summary>
    Ipv6cp,

    /// <summary>The reassembler's reorder timeout (RFC 1990 4.1 plus our cap on waiting).</summary>
    Reassembly,

    /// <summary>The next fragment the delay equaliser holds is due (<see cref="MpDelayEqualiser"/>).</summary>
    Equalise,
}

/// <summary>The owner of a <see cref="BundleSession"/> (the bundle actor), called synchronously.</summary>
public interface IBundleHandler
{
    /// <summary>Send this Multilink fragment (MP header and data, the information of a 0x003D frame) on member link <paramref name="member"/>.</summary>
    void SendFragment(int member, ReadOnlySpan<byte> fragment);

    /// <summary>Arm or re-arm a timer to fire after <paramref name="interval"/>.</summary>
    void StartTimer(BundleTimer timer, TimeSpan interval);

    void StopTimer(BundleTimer timer);

    void OnEvent(SessionEvent bundleEvent);

    /// <summary>An IP packet came out of the bundle (valid only during the call).</summary>
    void OnIpPacket(ReadOnlySpan<byte> packet);

    /// <summary>
    /// The peer sent a packet of a protocol the bundle does not run (IPV6CP with <c>disable ipv6cp</c>, CCP when it is
    /// off, anything unknown): send a Protocol-Reject for it (RFC 1661 5.7) on member link <paramref name="member"/>'s
    /// LCP, which is what <c>PppSession.RejectProtocol(protocol, information)</c> does. The default does nothing
    /// (the packet is only counted in <see cref="BundleSession.UndeliverablePackets"/>), and the peer keeps asking
    /// until its retries run out.
    /// </summary>
    void RejectProtocol(int member, ushort protocol, ReadOnlySpan<byte> information)
    {
    }
}

/// <summary>Settings of one bundle.</summary>
public sealed record BundleSettings
{
    public string Name { get; init; } = "vpn";

    public IpcpSettings Ipcp { get; init; } = IpcpSettings.Default;

    public CompressionControl Compression { get; init; } = CompressionControl.RefuseAll;

    /// <summary>
    /// IPV6CP (RFC 5072) and IPv6 (0x0057) over the bundle, FreeBSD's <c>enable ipv6cp</c>; null runs neither (an IPv6
    /// packet handed to <see cref="BundleSession.SendIp"/> is then refused, never sent as IPv4).
    /// </summary>
    public Ipv6cpSettings? Ipv6cp { get; init; }

    /// <summary>The automaton settings of every NCP that has none of its own below.</summary>
    public FsmSettings Fsm { get; init; } = FsmSettings.Default;

    /// <summary>IPCP's automaton (<c>set ipcpretry</c>); null: <see cref="Fsm"/>.</summary>
    public FsmSettings? IpcpFsm { get; init; }

    /// <summary>IPV6CP's automaton (<c>set ipv6cpretry</c>); null: <see cref="Fsm"/>.</summary>
    public FsmSettings? Ipv6cpFsm { get; init; }

    /// <summary>CCP's automaton (<c>set ccpretry</c>); null: <see cref="Fsm"/>.</summary>
    public FsmSettings? CcpFsm { get; init; }

    /// <summary>Caps and timeouts of the reassembler; format and MRRU come from the first member's LCP.</summary>
    public MpReassemblerOptions Reassembly { get; init; } = new();

    /// <summary>Smallest fragment the fragmenter makes.</summary>
    public int MinimumFragmentSize { get; init; } = 64;

    /// <summary>How the fragmenter spreads packets over members of unequal delay (<c>set schedule</c>).</summary>
    public MpSchedule Schedule { get; init; } = MpSchedule.Latency;

    /// <summary>
    /// Receive-side delay equalisation under the throughput <see cref="Schedule"/> (<see cref="MpDelayEqualiser"/>,
    /// holding to the slowest member's delay at all times); null turns it off. The slot size follows the
    /// reassembler's largest fragment.
    /// </summary>
    public MpDelayEqualiserOptions? Equalisation { get; init; } = new();
}

/// <summary>
/// The network half of a Multilink bundle (RFC 1990): one sequence space and fragmenter for what we send, one
/// reassembler for what we receive, and the NCPs (IPCP, CCP) run once for the whole bundle, their packets
/// carried in MP fragments like any other. Member links (each a <see cref="PppSession"/> in member mode) join
/// with what their LCP agreed and leave at any time between two packets. Pure: time comes in as
/// <c>now</c>, output goes to the <see cref="IBundleHandler"/>.
/// </summary>
public sealed class BundleSession : IMpPacketSink, IMpFragmentSink
{
    private readonly BundleSettings settings;
    private readonly IBundleHandler handler;
    private readonly IpControlProtocol ipcp;
    private readonly CompressionControlProtocol? ccp;
    private readonly Ipv6ControlProtocol? ipv6cp;
    private MpFragmenter? fragmenter;
    private uint? numberFrom;
    private MpReassembler? reassembler;
    private MpDelayEqualiser? equaliser;
    private MultilinkLinkParameters parameters;
    private readonly HashSet<int> members = new();
    // members the fragmenter sends nothing to for now (their peer was reported unreachable)
    private readonly HashSet<int> suspended = new();
    // each member's MRU, weight and policy, which re-add a suspended member to the fragmenter
    private readonly Dictionary<int, (int Mru, double Weight, MemberPolicy Policy)> sendParameters = new();
    private TimeSpan now;
    // members a fragment has arrived on since they joined: the peer's end of those has joined its bundle
    private readonly HashSet<int> heardFrom = new();
    private int lastHeard = -1;
    private readonly HashSet<PppProtocol> rejectedByPeer = new();

    /// <summary>How late the reorder timeout may give a gap up, so that its timer is not set again for every fragment.</summary>
    public static readonly TimeSpan ReassemblyTimerSlack = TimeSpan.FromMilliseconds(5);

    /// <summary>When the reassembly timer the handler runs fires; null while it runs none.</summary>
    private TimeSpan? reassemblyDue;

    /// <summary>When the equaliser's timer fires; null while it runs none.</summary>
    private TimeSpan? equaliseDue;

    /// <summary>When the NCPs started and IPCP has not opened since (<see cref="LastBringUp"/>); null otherwise.</summary>
    private TimeSpan? bringUpFrom;

    public BundleSession(BundleSettings settings, IBundleHandler handler)
    {
        this.settings = settings ?? throw new ArgumentNullException(nameof(settings));
        this.handler = handler ?? throw new ArgumentNullException(nameof(handler));
        ipcp = new IpControlProtocol(settings.Ipcp, settings.IpcpFsm ?? settings.Fsm);
        if (settings.Compression == CompressionControl.RefuseAll)
            ccp = new CompressionControlProtocol(settings.CcpFsm ?? settings.Fsm);
        if (settings.Ipv6cp is not null)
            ipv6cp = new Ipv6ControlProtocol(settings.Ipv6cp, settings.Ipv6cpFsm ?? settings.Fsm);
    }

    public string Name => settings.Name;

    public int MemberCount => members.Count;

    public IReadOnlyCollection<int> Members => members;

    /// <summary>The MRRU and sequence formats every member must share, once the first member joined.</summary>
    public MultilinkLinkParameters? Parameters => members.Count > 0 ? parameters : null;

    public IpcpNegotiated? Network => ipcp.Negotiated;

    public FsmState IpcpState => ipcp.State;

    /// <summary>Both interface identifiers while IPV6CP is Opened (for the tun's link-local address); else null.</summary>
    public Ipv6cpNegotiated? Ipv6Network => ipv6cp?.Negotiated;

    /// <summary>IPV6CP's state; null when the bundle runs no IPV6CP.</summary>
    public FsmState? Ipv6cpState => ipv6cp?.State;

    /// <summary>CCP's state; null when the bundle runs no CCP.</summary>
    public FsmState? CcpState => ccp?.State;

    /// <summary>
    /// Numbers the fragments it sends on from <paramref name="sequence"/> when that is ahead of where it is (or, before
    /// the first member, starts there): a bundle the receiver cluster formed again elsewhere learns from its members'
    /// relays how far the peer's reassembler got (issue 14, <see cref="MpFragmenter.NumberOnFrom"/>).
    /// </summary>
    public void NumberOnFrom(uint sequence)
    {
        if (fragmenter is null)
            numberFrom = sequence;
        else
            fragmenter.NumberOnFrom(sequence);
    }

    public MpFragmenter? Fragmenter => fragmenter;

    public MpReassembler? Reassembler => reassembler;

    /// <summary>The receive-side delay equaliser; null before the first member, under the latency schedule, or when <see cref="BundleSettings.Equalisation"/> is null.</summary>
    public MpDelayEqualiser? Equaliser => equaliser;

    /// <summary>How the fragmenter treats members of unequal delay (<see cref="BundleSettings.Schedule"/>).</summary>
    public MpSchedule Schedule => settings.Schedule;

    /// <summary>Packets that came out of the reassembler for a protocol the bundle does not run, or IP before IPCP opened.</summary>
    public long UndeliverablePackets { get; private set; }

    /// <summary>IP packets we were asked to send that the fragmenter refused (no member, above MRRU, IPCP not open).</summary>
    public long SendRefused { get; private set; }

    /// <summary>
    /// How long IPCP took to open the last time the bundle came up (issue 17's bring-up time): from the first member's
    /// joining (its LCP and authentication done, the NCPs started over the bundle, RFC 1990 2), or from IPCP's going
    /// down while members stayed, to IPCP Opened. Null until IPCP first opened.
    /// </summary>
    public TimeSpan? LastBringUp { get; private set; }

    /// <summary>
    /// A member link whose LCP reached Opened with Multilink joins between two packets. Returns false with a reason
    /// when its MRRU or sequence format differs from the bundle's (RFC 1990 5.1.1, 5.1.2). <paramref name="policy"/>
    /// says whether it is a primary (and of which priority) or a backup (null: <see cref="MemberPolicy.Default"/>).
    /// </summary>
    public bool AddMember(int member, LcpNegotiated link, double bytesPerSecond, TimeSpan now, out string? refusal, MemberPolicy? policy = null)
    {
        policy ??= MemberPolicy.Default;
        refusal = null;
        this.now = now;
        if (link.PeerMrru is not { } peerMrru || link.LocalMrru is not { } localMrru)
        {
            refusal = "the link did not negotiate Multilink (no MRRU both ways)";
            return false;
        }
        var linkParameters = new MultilinkLinkParameters(localMrru, peerMrru, link.ReceiveShortSequence, link.SendShortSequence);
        if (members.Count == 0)
        {
            parameters = linkParameters;
            fragmenter = new MpFragmenter(new MpFragmenterOptions
            {
                // A bundle that re-forms numbers on from where it was: the peer's bundle may have kept a member its
                // keepalive has not given up yet, and with it its reassembler, which would drop numbers from 0 as
                // late (36 s in a 30-minute soak, docs/RELIABILITY.md). A peer that starts afresh follows any number.
                InitialSequence = fragmenter?.NextSequence ?? numberFrom ?? 0,
                Format = linkParameters.SendFormat,
                PeerMrru = peerMrru,
                MinimumFragmentSize = settings.MinimumFragmentSize,
                CompressProtocol = link.SendPfc,
                Schedule = settings.Schedule,
            });
            reassembler = new MpReassembler(settings.Reassembly with
            {
                Format = linkParameters.ReceiveFormat,
                Mrru = localMrru,
                MaxFragmentSize = Math.Max(settings.Reassembly.MaxFragmentSize, link.LocalMru),
            });
            equaliser?.Clear();
            // Only under the throughput schedule (both ends set it): under earliest delivery first the slow member
            // carries a packet now and then, and holding every fast path for it then halved a BBR stream at +40 ms.
            if (settings.Equalisation is { } equalisation && settings.Schedule == MpSchedule.Throughput)
                equaliser = new MpDelayEqualiser(equalisation with
                {
                    SlotSize = Math.Max(settings.Reassembly.MaxFragmentSize, link.LocalMru),
                    Always = true,
                });
        }
        else if (parameters != linkParameters)
        {
            refusal = $"Multilink parameters {Describe(linkParameters)} differ from the bundle's {Describe(parameters)}";
            return false;
        }
        if (!fragmenter!.AddMember(member, link.PeerMru, Math.Max(1, bytesPerSecond), policy) || !reassembler!.AddMember(member))
        {
            refusal = $"member {member} could not be added (identifier out of range or MRU {link.PeerMru} too small)";
            return false;
        }
        bool first = members.Count == 0;
        members.Add(member);
        if (first)
            rejectedByPeer.Clear();
        sendParameters[member] = (link.PeerMru, Math.Max(1, bytesPerSecond), policy);
        if (first)
        {
            bringUpFrom = now;
            // RFC 1990 2: the NCPs run once the bundle exists, over the bundle.
            Apply(ipcp, ipcp.Open());
            Apply(ipcp, ipcp.Up());
            if (ccp is not null)
            {
                Apply(ccp, ccp.Open());
                Apply(ccp, ccp.Up());
            }
            if (ipv6cp is not null)
            {
                Apply(ipv6cp, ipv6cp.Open());
                Apply(ipv6cp, ipv6cp.Up());
            }
        }
        return true;
    }

    /// <summary>
    /// A member link left (closed, failed, its ISP went down). The reassembler stops waiting for it at once; the
    /// bundle goes down with its last member.
    /// </summary>
    public void RemoveMember(int member, TimeSpan now)
    {
        this.now = now;
        if (!members.Remove(member))
            return;
        suspended.Remove(member);
        sendParameters.Remove(member);
        heardFrom.Remove(member);
        if (lastHeard == member)
            lastHeard = heardFrom.Count > 0 ? heardFrom.First() : -1;
        fragmenter!.RemoveMember(member);
        if (fragmenter.ActiveMemberCount == 0)
        {
            // only suspended members are left: sending on a path in doubt beats sending nothing
            foreach (int s in suspended.ToList())
                Resume(s);
        }
        equaliser?.RemoveMember(member, now, this);
        reassembler!.RemoveMember(member, now, this);
        ArmReassemblyTimer();
        if (members.Count == 0)
        {
            Apply(ipcp, ipcp.Down());
            if (ccp is not null)
                Apply(ccp, ccp.Down());
            if (ipv6cp is not null)
                Apply(ipv6cp, ipv6cp.Down());
        }
    }

    /// <summary>Member weight for the fragmenter: its measured rate or <c>set bandwidth</c>, in bytes per second.</summary>
    public void SetWeight(int member, double bytesPerSecond)
    {
        if (sendParameters.TryGetValue(member, out var p))
            sendParameters[member] = p with { Weight = Math.Max(1, bytesPerSecond) };
        fragmenter?.SetWeight(member, Math.Max(1, bytesPerSecond));
    }

    /// <summary>
    /// Makes a member a primary of some priority or a backup (<see cref="MemberPolicy"/>), from the next packet on; a
    /// suspended member keeps it for when it is resumed. Returns false when it is not a member.
    /// </summary>
    public bool SetPolicy(int member, MemberPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!sendParameters.TryGetValue(member, out var p))
            return false;
        sendParameters[member] = p with { Policy = policy };
        fragmenter?.SetPolicy(member, policy);
        return true;
    }

    /// <summary>The member's policy; <see cref="MemberPolicy.Default"/> for one that is not a member.</summary>
    public MemberPolicy PolicyOf(int member) => sendParameters.TryGetValue(member, out var p) ? p.Policy : MemberPolicy.Default;

    /// <summary>Whether data goes to the member now: not suspended, and of the best class present (<see cref="MpFragmenter.CarriesData"/>).</summary>
    public bool CarriesData(int member) => fragmenter?.CarriesData(member) == true;

    /// <summary>Members the fragmenter skips for now (<see cref="Suspend"/>).</summary>
    public IReadOnlyCollection<int> Suspended => suspended;

    /// <summary>
    /// The member stays in the bundle (it still receives, the reassembler still counts on it) but is given nothing
    /// to send until <see cref="Resume"/>: its path was reported dead and its keepalive has not decided yet. The last
    /// member still sending is never suspended (nothing would go out at all); a backup counts as sending, since it takes
    /// the data over (<see cref="MemberPolicy"/>). Returns whether it was suspended.
    /// </summary>
    public bool Suspend(int member)
    {
        if (!members.Contains(member) || suspended.Contains(member) || fragmenter is null || fragmenter.ActiveMemberCount <= 1)
            return false;
        suspended.Add(member);
        fragmenter.RemoveMember(member);
        return true;
    }

    /// <summary>A suspended member is given data again. Returns whether it was suspended.</summary>
    public bool Resume(int member)
    {
        if (!suspended.Remove(member) || fragmenter is null)
            return false;
        var (mru, weight, policy) = sendParameters[member];
        fragmenter.AddMember(member, mru, weight, policy);
        return true;
    }

    /// <summary>A Multilink fragment (the information of a 0x003D frame) arrived on <paramref name="member"/>.</summary>
    public void ReceiveFragment(int member, ReadOnlySpan<byte> fragment, TimeSpan now)
    {
        this.now = now;
        if (reassembler is null)
        {
            UndeliverablePackets++;
            return;
        }
        // A fragment on a member shows the peer's end of it has joined its bundle: control packets go there from now
        // on, and requests sent before (maybe to a peer member that had not joined and dropped them) go again now.
        bool firstHeard = false;
        if (members.Contains(member))
        {
            firstHeard = heardFrom.Add(member);
            lastHeard = member;
        }
        if (equaliser is not null)
        {
            equaliser.Receive(member, fragment, now, this);
            ArmEqualiseTimer();
        }
        else
        {
            reassembler.Receive(member, fragment, now, this);
        }
        if (firstHeard)
            RetransmitUnansweredRequests();
        ArmReassemblyTimer();
    }

    /// <summary>
    /// A member's one-way delay (half its smoothed echo round trip): the fragmenter times pieces by it
    /// (<see cref="MpFragmenter.SetDelay"/>) and the equaliser holds faster members' fragments by the difference.
    /// </summary>
    public void SetPathDelay(int member, TimeSpan oneWay)
    {
        fragmenter?.SetDelay(member, oneWay);
        equaliser?.SetDelay(member, oneWay);
    }

    /// <summary>A fragment out of the equaliser, due now: on to the reassembler.</summary>
    void IMpFragmentSink.Receive(int member, ReadOnlySpan<byte> fragment, TimeSpan now) => reassembler?.Receive(member, fragment, now, this);

    /// <summary>A network-layer packet arrived on a member link without an MP header (RFC 1990 allows it).</summary>
    public void ReceiveDirect(ushort protocol, ReadOnlySpan<byte> information, TimeSpan now)
    {
        this.now = now;
        Deliver(protocol, information);
    }

    /// <summary>
    /// Sends an IP packet over the bundle, labelled by its version nibble: IPv4 as 0x0021 once IPCP is Opened, IPv6
    /// as 0x0057 once IPV6CP is Opened. False (counted in <see cref="SendRefused"/>) when its protocol is not open,
    /// it is neither version (<see cref="SendRefusedNotIp"/> too) or the fragmenter refuses it: a packet is never sent
    /// under another protocol than its own.
    /// </summary>
    public bool SendIp(ReadOnlySpan<byte> packet, TimeSpan now)
    {
        this.now = now;
        const int Ipv4 = 4, Ipv6 = 6; // the IP version field, the high nibble of the first octet (RFC 791, RFC 8200)
        int version = packet.IsEmpty ? 0 : packet[0] >> 4;
        PppProtocol? protocol = version switch
        {
            Ipv4 when ipcp.State == FsmState.Opened => PppProtocol.Ip,
            Ipv6 when ipv6cp?.State == FsmState.Opened => PppProtocol.Ipv6,
            _ => null,
        };
        if (version is not (Ipv4 or Ipv6))
            SendRefusedNotIp++;
        if (protocol is not { } p || !Send((ushort)p, packet))
        {
            SendRefused++;
            return false;
        }
        return true;
    }

    /// <summary>Packets handed to <see cref="SendIp"/> whose first nibble is neither 4 nor 6 (included in <see cref="SendRefused"/>).</summary>
    public long SendRefusedNotIp { get; private set; }

    public void TimerExpired(BundleTimer timer, TimeSpan now)
    {
        this.now = now;
        switch (timer)
        {
            case BundleTimer.Ipcp:
                Apply(ipcp, ipcp.RestartTimerExpired());
                break;
            case BundleTimer.Ccp when ccp is not null:
                Apply(ccp, ccp.RestartTimerExpired());
                break;
            case BundleTimer.Ipv6cp when ipv6cp is not null:
                Apply(ipv6cp, ipv6cp.RestartTimerExpired());
                break;
            case BundleTimer.Reassembly:
                reassemblyDue = null;
                reassembler?.Tick(now, this);
                ArmReassemblyTimer();
                break;
            case BundleTimer.Equalise:
                equaliseDue = null;
                equaliser?.Release(now, this);
                ArmEqualiseTimer();
                ArmReassemblyTimer();
                break;
        }
    }

    /// <summary>Protocols the peer Protocol-Rejected since the first member joined (for the status page).</summary>
    public IReadOnlyCollection<PppProtocol> RejectedByPeer => rejectedByPeer;

    /// <summary>The protocols a bundle runs for its members (RFC 1990 2): a Protocol-Reject of one on a member link is the bundle's.</summary>
    public static bool IsBundleProtocol(PppProtocol protocol) =>
        protocol is PppProtocol.Ipcp or PppProtocol.Ccp or PppProtocol.Ipv6cp or PppProtocol.Ip or PppProtocol.Ipv6 or PppProtocol.CompressedDatagram;

    /// <summary>
    /// A member link's LCP received a Protocol-Reject of <paramref name="protocol"/>, one the bundle runs (the member
    /// session's <see cref="ProtocolRejectedByPeer"/> with <c>ForBundle</c>). RFC 1661 5.7: that protocol MUST stop:
    /// its automaton takes RXJ- (no more Configure-Requests, its timer stopped) and
    /// <see cref="ProtocolRejectedByPeer"/> is raised under the bundle's name, once until the bundle next forms.
    /// Returns false for a protocol the bundle does not run.
    /// </summary>
    public bool PeerRejectedProtocol(PppProtocol protocol, TimeSpan now)
    {
        this.now = now;
        ControlProtocol? ncp = protocol switch
        {
            PppProtocol.Ipcp => ipcp,
            PppProtocol.Ccp => ccp,
            PppProtocol.Ipv6cp => ipv6cp,
            _ => null,
        };
        if (ncp is null)
            return false;
        // reported once per bundle: a peer may reject each of our retransmissions, on every member link
        if (rejectedByPeer.Add(protocol))
            handler.OnEvent(new ProtocolRejectedByPeer(Name, protocol, ForBundle: false));
        Apply(ncp, ncp.PeerRejectedProtocol());
        return true;
    }

    /// <summary>Closes the bundle's NCPs (administrative close of the whole bundle).</summary>
    public void Close()
    {
        Apply(ipcp, ipcp.Close());
        if (ccp is not null)
            Apply(ccp, ccp.Close());
        if (ipv6cp is not null)
            Apply(ipv6cp, ipv6cp.Close());
    }

    void IMpPacketSink.Deliver(ushort protocol, ReadOnlySpan<byte> information) => Deliver(protocol, information);

    private void Deliver(ushort protocol, ReadOnlySpan<byte> information)
    {
        switch ((PppProtocol)protocol)
        {
            case PppProtocol.Ip when ipcp.State == FsmState.Opened:
            case PppProtocol.Ipv6 when ipv6cp?.State == FsmState.Opened:
                handler.OnIpPacket(information);
                break;
            case PppProtocol.Ipv6cp when ipv6cp is not null && members.Count > 0:
                Apply(ipv6cp, ipv6cp.Receive(information));
                break;
            case PppProtocol.Ipcp when members.Count > 0:
                Apply(ipcp, ipcp.Receive(information));
                break;
            case PppProtocol.Ccp when ccp is not null && members.Count > 0:
                Apply(ccp, ccp.Receive(information));
                break;
            default:
                UndeliverablePackets++;
                if (!Runs((PppProtocol)protocol) && members.Count > 0)
                    handler.RejectProtocol(lastHeard >= 0 ? lastHeard : members.First(), protocol, information);
                break;
        }
    }

    /// <summary>
    /// The NCPs' first Configure-Requests go out as the first member joins, perhaps before the peer's end of that
    /// member has joined its bundle (its actor drops them until then), and would wait a restart interval (3 s) to be
    /// sent again. So each member heard from for the first time sends the requests still unanswered again at once.
    /// </summary>
    private void RetransmitUnansweredRequests()
    {
        Apply(ipcp, ipcp.RetransmitUnansweredRequest());
        if (ccp is not null)
            Apply(ccp, ccp.RetransmitUnansweredRequest());
        if (ipv6cp is not null)
            Apply(ipv6cp, ipv6cp.RetransmitUnansweredRequest());
    }

    /// <summary>A control packet goes whole on the member heard from last, where the peer surely listens; else as data goes.</summary>
    private void SendControl(ushort protocol, ReadOnlySpan<byte> packet)
    {
        if (lastHeard >= 0 && fragmenter is not null && fragmenter.FragmentOn(lastHeard, protocol, packet) == MpFragmentStatus.Ok)
        {
            foreach (ref readonly var fragment in fragmenter.Fragments)
                handler.SendFragment(fragment.Member, fragmenter.Bytes(fragment));
            return;
        }
        Send(protocol, packet);
    }

    /// <summary>
    /// Whether a packet of <paramref name="protocol"/> is ours even when it cannot be delivered now: IP and IPv6 before
    /// their NCP opened (or IPv6 with <c>disable ipv6cp</c>, as FreeBSD discards it), a compressed datagram (CCP agrees on
    /// no compressor), an NCP the bundle runs. Anything else gets a Protocol-Reject.
    /// </summary>
    private bool Runs(PppProtocol protocol) => protocol switch
    {
        PppProtocol.Ip or PppProtocol.Ipv6 or PppProtocol.CompressedDatagram or PppProtocol.Ipcp => true,
        PppProtocol.Ccp => ccp is not null,
        PppProtocol.Ipv6cp => ipv6cp is not null,
        _ => false,
    };

    private bool Send(ushort protocol, ReadOnlySpan<byte> information)
    {
        if (fragmenter is null || fragmenter.Fragment(protocol, information, now) != MpFragmentStatus.Ok)
            return false;
        foreach (ref readonly var fragment in fragmenter.Fragments)
            handler.SendFragment(fragment.Member, fragmenter.Bytes(fragment));
        return true;
    }

    /// <summary>As <see cref="ArmReassemblyTimer"/>, for the equaliser's next due fragment.</summary>
    private void ArmEqualiseTimer()
    {
        if (equaliser?.NextDue is not { } due || due >= equaliseDue - ReassemblyTimerSlack)
            return;
        equaliseDue = due;
        handler.StartTimer(BundleTimer.Equalise, due > now ? due - now : TimeSpan.Zero);
    }

    private void ArmReassemblyTimer()
    {
        // Called for every fragment, so the handler hears only of a deadline earlier than the one it runs: a later
        // one waits for that timer to fire (the reassembler then has nothing due yet, and the timer is set again),
        // and a timer with nothing left to wait for fires once for nothing. A timer set per packet would allocate.
        // One earlier by less than ReassemblyTimerSlack keeps the one running too: the adaptive reorder timeout moves
        // with every sample, and each small step earlier would set the timer again.
        if (reassembler?.NextTimeout is not { } due || due >= reassemblyDue - ReassemblyTimerSlack)
            return;
        reassemblyDue = due;
        handler.StartTimer(BundleTimer.Reassembly, due > now ? due - now : TimeSpan.Zero);
    }

    private void Apply(ControlProtocol protocol, IReadOnlyList<ControlOutput> outputs)
    {
        var timer = protocol.Protocol switch
        {
            PppProtocol.Ccp => BundleTimer.Ccp,
            PppProtocol.Ipv6cp => BundleTimer.Ipv6cp,
            _ => BundleTimer.Ipcp,
        };
        foreach (var output in outputs)
        {
            switch (output)
            {
                case SendControlPacket send:
                    SendControl((ushort)send.Protocol, send.Packet);
                    break;
                case StartRestartTimer start:
                    handler.StartTimer(timer, start.Interval);
                    break;
                case StopRestartTimer:
                    handler.StopTimer(timer);
                    break;
                case FsmStateChanged changed:
                    handler.OnEvent(new ProtocolStateChanged(Name, changed.Protocol, changed.From, changed.To));
                    break;
                case ThisLayer { Protocol: PppProtocol.Ipcp, Signal: LayerSignal.Up }:
                    if (bringUpFrom is { } from)
                        LastBringUp = now - from;
                    bringUpFrom = null;
                    handler.OnEvent(new NetworkUp(Name, ipcp.Negotiated!));
                    if (!ipcp.Negotiated!.PeerAddressKnown)
                        handler.OnEvent(new PeerAddressUnknown(Name));
                    break;
                case ThisLayer { Protocol: PppProtocol.Ipcp, Signal: LayerSignal.Down }:
                    bringUpFrom = members.Count > 0 ? now : null;
                    handler.OnEvent(new NetworkDown(Name));
                    break;
                case ThisLayer { Protocol: PppProtocol.Ipv6cp, Signal: LayerSignal.Up }:
                    handler.OnEvent(new Ipv6NetworkUp(Name, ipv6cp!.Negotiated!));
                    break;
                case ThisLayer { Protocol: PppProtocol.Ipv6cp, Signal: LayerSignal.Down }:
                    handler.OnEvent(new Ipv6NetworkDown(Name));
                    break;
            }
        }
    }

    private static string Describe(MultilinkLinkParameters p) =>
        $"(MRRU {p.LocalMrru}/{p.PeerMrru}, {(p.LocalShortSequence ? "short" : "long")}/{(p.PeerShortSequence ? "short" : "long")} sequence numbers)";
}
