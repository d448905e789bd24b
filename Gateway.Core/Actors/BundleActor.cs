using Akka.Actor;
using Akka.Event;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Status;
using Gateway.Core.Transport;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Core.Actors;

/// <summary>
/// One Multilink bundle (RFC 1990), thin around the pure <see cref="BundleSession"/> (fragmenter, reassembler, IPCP
/// once per bundle) and <see cref="BundleMembers{TRef, TPath}"/>: its members join and leave, their fragments come
/// straight from the sockets' threads as pooled <see cref="Packet"/>s, what it sends goes straight out on the members'
/// <see cref="MemberDataPath"/>s, and it owns its data plane, opened when its IPCP comes up and kept through a short
/// outage (<see cref="BundleOptions.DataPlaneLinger"/>). Who its members are is the subclass's: <see cref="GatewayBundleActor"/> starts its own,
/// <see cref="ReceiverBundleActor"/> adopts those that arrive at the receiver.
/// </summary>
public abstract partial class BundleActor : ReceiveActor, IWithTimers, IBundleHandler, IBundleInput
{
    private const string StatsTimerKey = "stats";
    private const string DataPlaneTimerKey = "data-plane";
    private const string DataPlaneLingerKey = "data-plane-linger";

    /// <summary>How often the status is published and the members' delays and weights are fed to the session.</summary>
    protected static readonly TimeSpan StatsPeriod = TimeSpan.FromSeconds(1);

    private readonly BundleSession bundle;
    private readonly BundleIngress ingress;
    private readonly BundleDataPlane dataPlane;
    private readonly PacketTotals totals = new();
    private DateTimeOffset? upSince;
    private long redirectedFragments;
    private long refusedNoRoom;

    protected BundleActor(BundleOptions options)
    {
        Options = options;
        bundle = new BundleSession(options.Settings, this);
        Members = new BundleMembers<IActorRef, MemberDataPath>(options.Settings.Reassembly.MaxMembers);
        ingress = new BundleIngress(Self);
        dataPlane = new BundleDataPlane(options.DataPlane, Log);

        Receive<SublinkUp>(Join);
        Receive<SublinkDown>(d => Leave(d.Sublink, d.Reason));
        Receive<Packet>(OnPacket);
        Receive<FragmentIn>(f =>
        {
            if (Members.ByRef(f.Sublink) is { } m)
                ReceiveFragment(m, f.Fragment);
        });
        Receive<MemberUnreachable>(u => Pause(u.Sublink, u.Reason));
        Receive<MemberReachable>(r => HeardFrom(Members.ByRef(r.Sublink), publish: true));
        Receive<MemberLate>(Demote);
        Receive<MemberOnTime>(Promote);
        Receive<DirectIn>(d =>
        {
            if (Members.ByRef(d.Sublink) is not null)
                bundle.ReceiveDirect(d.Protocol, d.Information, Now);
        });
        Receive<MemberPathClosed>(c =>
        {
            // Only the path that failed: the sublink may have left and joined again with a new path since the failed
            // send told us (its SublinkDown and SublinkUp were in the mailbox ahead of this message), and that
            // membership is sound. Taking it out left the sublink up, answering echoes, and out of the bundle.
            if (Members.ByRef(c.Sublink) is { } m && ReferenceEquals(m.Path, c.Path))
                Leave(c.Sublink, "its data path closed");
        });
        Receive<SetMemberPolicy>(SetPolicy);
        Receive<SendIp>(s => Send(s.Packet));
        Receive<BundleTimerFired>(t => bundle.TimerExpired(t.Timer, Now));
        Receive<StatsTick>(_ => OnStatsTick());
        Receive<ProbationTick>(_ => ReviewProbation(learn: false));
        Receive<DataPlaneTick>(_ => dataPlane.Tick(Now));
        Receive<DataPlaneLingerEnded>(_ =>
        {
            if (!dataPlane.Suspended)
                return;
            Log(LogSeverity.Warning, $"the bundle stayed down {Options.DataPlaneLinger.TotalSeconds:0.#} s: its data plane closes");
            CloseDataPlane();
        });
        Receive<GetBundleStatus>(_ => Sender.Tell(Status()));
        Receive<MemberRejectedProtocol>(r =>
        {
            if (Members.ByRef(r.Sublink) is not null)
                bundle.PeerRejectedProtocol(r.Protocol, Now);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected BundleOptions Options { get; }

    protected BundleMembers<IActorRef, MemberDataPath> Members { get; }

    protected BundleSession Session => bundle;

    protected ILoggingAdapter Logger { get; } = Context.GetLogger();

    protected string Name => Options.Settings.Name;

    protected TimeSpan Now => Context.System.Scheduler.MonotonicClock;

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer(StatsTimerKey, StatsTick.Instance, StatsPeriod);
        PublishStatus();
    }

    protected override void PostStop()
    {
        CloseDataPlane();
        Context.System.EventStream.Publish(new BundleRemoved(Name));
    }

    /// <summary>The weight a sublink joins with, in bytes per second.</summary>
    protected abstract double JoiningWeight(SublinkUp up);

    /// <summary>A sublink reached the Network phase: it joins, or is refused (bundle full, different Multilink parameters).</summary>
    protected void Join(SublinkUp up)
    {
        // Said again by a member that is in (a relay that asked for its bundle while the cluster moved it, and heard
        // back more than once): it stays the member it is, told so again.
        if (Members.ByRef(up.Sublink) is { } already)
        {
            up.Sublink.Tell(new JoinedBundle(Self, Name, already.Index, already.Key));
            return;
        }
        if (!Members.TryJoin(up.Name, up.Sublink, up.DataPath, JoiningWeight(up), out var member))
        {
            up.Sublink.Tell(new Refused($"bundle {Name} already has {Members.Capacity} links"));
            return;
        }
        // From now on its fragments come here straight from its socket's thread, tagged with its index and key. Told
        // before the member is added, which may send on it at once (the first member starts the NCPs): a member link on
        // another node must know its bundle before the peer's answer reaches it (MemberRelay). Refused after this, it
        // closes, and what it sent meanwhile finds no member of its key.
        up.Sublink.Tell(new JoinedBundle(Self, Name, member.Index, member.Key));
        if (!bundle.AddMember(member.Index, up.Link, member.Weight, Now, out var refusal, PolicyFor(up.Name)))
        {
            Members.Leave(up.Sublink);
            Logger.Warning("{0}: sublink {1} refused: {2}", Name, up.Name, refusal);
            up.Sublink.Tell(new Refused(refusal!));
            return;
        }
        member.SampledBytesIn = bundle.Reassembler?.MemberStatistics(member.Index).BytesIn ?? 0;
        OnJoined(up);
        Log(LogSeverity.Information, $"sublink {up.Name} joined ({bundle.MemberCount} open)");
        StartProbation(member);
        PublishStatus();
    }

    protected virtual void OnJoined(SublinkUp up)
    {
    }

    protected void Leave(IActorRef sublink, string reason)
    {
        if (Members.Leave(sublink) is not { } m)
            return;
        EndProbation(m.Index);
        bundle.RemoveMember(m.Index, Now);
        Log(LogSeverity.Warning, $"sublink {m.Name} left: {reason} ({bundle.MemberCount} open)");
        PublishStatus();
    }

    private void OnPacket(Packet packet)
    {
        try
        {
            if (packet.Tag == BundleIngress.IpPacket)
                Send(packet.Span);
            else if (Members.ByKey(packet.Source, (int)packet.Address) is { } member)
                ReceiveFragment(member, packet.Span);
        }
        finally
        {
            packet.Release();
        }
    }

    private void ReceiveFragment(BundleMembers<IActorRef, MemberDataPath>.Member member, ReadOnlySpan<byte> fragment)
    {
        HeardFrom(member, publish: false);
        bundle.ReceiveFragment(member.Index, fragment, Now);
    }

    private void Pause(IActorRef sublink, string reason)
    {
        if (Members.ByRef(sublink) is { } m && bundle.Suspend(m.Index))
        {
            Log(LogSeverity.Warning, $"sublink {m.Name}: peer unreachable ({reason}); no data on it until it answers");
            PublishStatus();
        }
    }

    private void HeardFrom(BundleMembers<IActorRef, MemberDataPath>.Member? member, bool publish)
    {
        if (member is null || bundle.Suspended.Count == 0 || InProbation(member.Index) || !bundle.Resume(member.Index))
            return;
        Log(LogSeverity.Information, $"sublink {member.Name} heard from again: data goes out on it again");
        if (publish)
            PublishStatus();
    }

    protected virtual void OnStatsTick()
    {
        ReviewProbation(learn: true);
        ApplyPathDelays();
        if (dataPlane.CheckFailure())
            Timers.Cancel(DataPlaneTimerKey);
        OpenDataPlane();
        WatchDelivery();
        PublishStatus();
    }

    /// <summary>
    /// Each member's one-way delay (half its echo RTT) goes to the fragmenter, so pieces are timed to arrive
    /// together on paths of unequal latency, and the spread between the fastest and the slowest path to the
    /// reassembler, so it waits that long for a slow path's fragment before it calls it lost.
    /// </summary>
    private void ApplyPathDelays()
    {
        double least = double.MaxValue, most = 0;
        foreach (var member in Members.All)
        {
            if (member.Path?.SmoothedRtt is not { } rtt)
                continue;
            var oneWay = rtt / 2;
            bundle.SetPathDelay(member.Index, oneWay);
            least = Math.Min(least, oneWay.TotalSeconds);
            most = Math.Max(most, oneWay.TotalSeconds);
        }
        if (most > least)
            bundle.Reassembler?.ObserveDelaySpread(TimeSpan.FromSeconds(most - least));
    }

    // A closed path is no queue that is full: with every member closed the session counts the packet undeliverable.
    private static readonly Func<MemberDataPath, bool> HasRoom = path => path.IsClosed || path.HasRoom;

    private void Send(ReadOnlySpan<byte> packet)
    {
        if (!Members.AnyPathOrNone(HasRoom))
        {
            // Every member's queue in front of its wire is full (ISP links' outbound lanes): the packet is dropped
            // here, before the fragmenter numbers it. Numbers given to fragments that no queue takes would run on
            // while the queued ones wait, so far that with 12-bit numbers the receiver takes a waiting fragment for a
            // new one (docs/DESIGN.md, "numbering under overload").
            refusedNoRoom++;
            return;
        }
        if (bundle.SendIp(packet, Now))
        {
            totals.Out(packet.Length);
        }
    }

    void IBundleInput.Send(ReadOnlySpan<byte> packet) => Send(packet);

    void IBundleHandler.SendFragment(int index, ReadOnlySpan<byte> fragment)
    {
        if (Members.ByIndex(index) is not { Path: { } path } member)
            return;
        if (path.Send(fragment))
            return;
        // The sublink left the Network phase a moment ago, or its interface queue is full (the kernel said ENOBUFS):
        // the fragment goes out on another member (any member may carry any fragment, RFC 1990), so a full queue on
        // one link is not a loss while another has room; a closed member is dropped before the next packet.
        if (path.IsClosed)
            Self.Tell(new MemberPathClosed(member.Ref, path));
        else
            redirectedFragments++;
        // By index, not Members.All (sorted by name, a new enumeration each time): a flood redirects every fragment.
        for (int i = 0; i < Members.Capacity; i++)
        {
            if (Members.ByIndex(i)?.Path is { IsClosed: false } otherPath && otherPath != path && otherPath.Send(fragment))
                return;
        }
    }

    void IBundleHandler.StartTimer(BundleTimer timer, TimeSpan interval) =>
        Timers.StartSingleTimer(TimerKeys[(int)timer], TimerMessages[(int)timer], interval);

    void IBundleHandler.StopTimer(BundleTimer timer) => Timers.Cancel(TimerKeys[(int)timer]);

    void IBundleHandler.OnEvent(SessionEvent bundleEvent)
    {
        switch (bundleEvent)
        {
            case NetworkUp up:
                upSince = DateTimeOffset.UtcNow;
                Log(LogSeverity.Information, $"bundle up: {up.Addresses}" + (bundle.LastBringUp is { } took ? $" (IPCP opened {took.TotalMilliseconds:0} ms after the first member joined)" : ""));
                OpenDataPlane();
                PublishStatus();
                break;
            case NetworkDown:
                upSince = null;
                Log(LogSeverity.Warning, "bundle down");
                SuspendDataPlane();
                PublishStatus();
                break;
            case ProtocolRejectedByPeer rejected:
                Log(LogSeverity.Warning, $"the peer Protocol-Rejected {rejected.Protocol}: it stops on this bundle");
                PublishStatus();
                break;
            case Ipv6NetworkUp up6:
                Log(LogSeverity.Information, $"IPv6 up: {up6.Identifiers}");
                dataPlane.Ipv6Up(up6.Identifiers);
                PublishStatus();
                break;
            case Ipv6NetworkDown:
                Log(LogSeverity.Information, "IPv6 down");
                dataPlane.Ipv6Down();
                PublishStatus();
                break;
            case PeerAddressUnknown:
                Log(LogSeverity.Warning, "the peer named no IP address and none is configured (set ifaddr): nothing is sent to it");
                break;
            default:
                Logger.Info("{0}", bundleEvent);
                break;
        }
    }

    void IBundleHandler.RejectProtocol(int member, ushort protocol, ReadOnlySpan<byte> information) =>
        Members.ByIndex(member)?.Ref.Tell(new RejectForBundle(protocol, information.ToArray()));

    void IBundleHandler.OnIpPacket(ReadOnlySpan<byte> packet)
    {
        totals.In(packet.Length);
        dataPlane.Deliver(packet, Now);
    }

    private void OpenDataPlane()
    {
        if (bundle.Network is not { PeerAddressKnown: true } network)
            return;
        Timers.Cancel(DataPlaneLingerKey);
        if (dataPlane.Open(new DataPlaneContext(Name, network.LocalAddress, network.PeerAddress, this, ingress, Now)) is { } period)
            Timers.StartPeriodicTimer(DataPlaneTimerKey, DataPlaneTick.Instance, period);
    }

    /// <summary>
    /// The bundle's network went down: its data plane (the tun device, its addresses and routes) stays for
    /// <see cref="BundleOptions.DataPlaneLinger"/>, as FreeBSD ppp keeps its tun device while it redials, and is kept
    /// if the bundle comes back with the same addresses; only a longer outage closes it.
    /// </summary>
    private void SuspendDataPlane()
    {
        if (Options.DataPlaneLinger > TimeSpan.Zero && dataPlane.Suspend())
            Timers.StartSingleTimer(DataPlaneLingerKey, DataPlaneLingerEnded.Instance, Options.DataPlaneLinger);
        else
            CloseDataPlane();
    }

    private void CloseDataPlane()
    {
        Timers.Cancel(DataPlaneTimerKey);
        Timers.Cancel(DataPlaneLingerKey);
        dataPlane.Close();
    }

    protected void Log(LogSeverity severity, string message) => EventLog.Write(Logger, Context.System.EventStream, Name, severity, message);

    protected void PublishStatus() => Context.System.EventStream.Publish(new BundleChanged(Status()));

    private sealed record BundleTimerFired(BundleTimer Timer);

    // Boxed once: a timer's key and message are the same every time it is set.
    private static readonly object[] TimerKeys = Enum.GetValues<BundleTimer>().Select(t => (object)t).ToArray();

    private static readonly BundleTimerFired[] TimerMessages = Enum.GetValues<BundleTimer>().Select(t => new BundleTimerFired(t)).ToArray();

    private sealed record StatsTick
    {
        public static StatsTick Instance { get; } = new();
    }

    private sealed record DataPlaneTick
    {
        public static DataPlaneTick Instance { get; } = new();
    }

    private sealed record DataPlaneLingerEnded
    {
        public static DataPlaneLingerEnded Instance { get; } = new();
    }

    private sealed record MemberPathClosed(IActorRef Sublink, MemberDataPath Path);
}
