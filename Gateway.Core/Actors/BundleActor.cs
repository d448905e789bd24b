using System.Net;
using Akka.Actor;
using Akka.Event;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Status;
using Gateway.Core.Traffic;
using static Gateway.Core.Actors.Messages.BundleMessages;
using LinkCounters = Gateway.Core.Status.LinkCounters;

namespace Gateway.Core.Actors;

/// <summary>A sublink a bundle starts by itself (NIC mode), or the template of one started by ppp.linkup.</summary>
/// <param name="Name">FreeBSD's link name after <c>rename N</c> / <c>clone</c>: <c>1</c>, <c>2</c>, <c>N</c>.</param>
/// <param name="Transport">How its datagrams travel.</param>
/// <param name="Carrier">In words, for the dashboard.</param>
/// <param name="Remote">The receiver's address and port.</param>
/// <param name="BytesPerSecond">Its weight for the fragmenter (<c>set bandwidth</c>, or the line's rate).</param>
public sealed record SublinkSpec(string Name, SublinkTransportFactory Transport, string Carrier, IPEndPoint? Remote, double BytesPerSecond = 1_250_000);

/// <summary>Where a bundle's received IP packets go besides the traffic endpoint; the span is valid during the call only.</summary>
public interface IIpPacketSink
{
    void OnPacket(string bundle, ReadOnlySpan<byte> packet);
}

/// <summary>What one bundle actor is built from.</summary>
public sealed record BundleOptions
{
    public required BundleSettings Settings { get; init; }

    /// <summary>The session of each member link: sync framing, member mode (no IPCP, CCP Protocol-Rejected), MRRU set.</summary>
    public required SessionSettings MemberSession { get; init; }

    /// <summary>Sublinks started with the bundle and kept running (NIC mode, <c>vpn-nic</c>).</summary>
    public IReadOnlyList<SublinkSpec> Sublinks { get; init; } = [];

    /// <summary>LCP echo on every sublink (period); null = none.</summary>
    public TimeSpan? EchoPeriod { get; init; } = TimeSpan.FromSeconds(1);

    public int EchoMisses { get; init; } = 3;

    /// <summary>The in-process traffic source and sink; null = none (a tun device or a test carries the traffic).</summary>
    public TrafficOptions? Traffic { get; init; }

    /// <summary>Gets every IP packet out of the bundle, synchronously on the bundle's thread (a tun writer, tests).</summary>
    public IIpPacketSink? IpSink { get; init; }

    /// <summary>A receiver-side bundle: sublinks are adopted from the receiver, never started or restarted here.</summary>
    public bool Adopting { get; init; }

    /// <summary>First and longest pause before a failed sublink of this bundle is started again.</summary>
    public TimeSpan RestartMin { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RestartMax { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// One Multilink bundle (the seed's <c>vpn</c>, or a receiver's <c>vpn-in</c> bundle): it owns the fragmenter and
/// reassembler and runs IPCP once (<see cref="BundleSession"/>), starts and supervises its sublinks, and stays up
/// while at least one of them is open. A failing sublink is stopped and started again on its own with back-off;
/// the bundle is never restarted for a sublink's fault (its counters go on).
/// </summary>
public sealed class BundleActor : ReceiveActor, IWithTimers, IBundleHandler, ITrafficOutput
{
    private const string StatsTimerKey = "stats";
    private const string TrafficTimerKey = "traffic";
    private static readonly TimeSpan StatsPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan TrafficPeriod = TimeSpan.FromMilliseconds(10);

    private readonly BundleOptions options;
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly BundleSession bundle;
    private readonly TrafficEndpoint? traffic;
    private readonly Dictionary<string, SublinkSpec> specs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IActorRef> children = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, (int Index, string Name)> members = new();
    private readonly IActorRef?[] byIndex = new IActorRef?[32];
    private readonly PacketGate[] memberGates = Enumerable.Range(0, 32).Select(_ => new PacketGate()).ToArray();
    private readonly MemberDataPath?[] dataPaths = new MemberDataPath?[32];
    private long queueDropsOfFormerMembers;
    private long redirectedFragments;
    private readonly Dictionary<string, int> restarts = new(StringComparer.Ordinal);
    private readonly HashSet<string> closedByOperator = new(StringComparer.Ordinal);
    private DateTimeOffset? upSince;
    private long octetsIn;
    private long octetsOut;
    private long packetsIn;
    private long packetsOut;
    private readonly RateMeter rates = new();
    private readonly long[] lastBytesIn = new long[32];
    private readonly double[] smoothedRate = new double[32];

    /// <summary>Bytes per second below which a member's mirrored weight does not go (an idle member still gets a little).</summary>
    private const double MinimumWeight = 2_000;

    public BundleActor(BundleOptions options)
    {
        this.options = options;
        bundle = new BundleSession(options.Settings, this);
        if (options.Traffic is not null)
            traffic = new TrafficEndpoint(options.Traffic);
        foreach (var spec in options.Sublinks)
            specs[spec.Name] = spec;

        Receive<SublinkUp>(OnSublinkUp);
        Receive<SublinkDown>(d => RemoveMember(d.Sublink, d.Reason));
        Receive<FragmentIn>(f =>
        {
            f.Gate?.Leave();
            if (members.TryGetValue(f.Sublink, out var m))
            {
                if (bundle.Suspended.Count > 0 && bundle.Resume(m.Index))
                    Log(LogSeverity.Information, $"sublink {m.Name} heard from again: data goes out on it again");
                bundle.ReceiveFragment(m.Index, f.Fragment, MonotonicClock.Now);
            }
        });
        Receive<MemberUnreachable>(u =>
        {
            if (members.TryGetValue(u.Sublink, out var m) && bundle.Suspend(m.Index))
            {
                Log(LogSeverity.Warning, $"sublink {m.Name}: peer unreachable ({u.Reason}); no data on it until it answers");
                PublishStatus();
            }
        });
        Receive<MemberReachable>(r =>
        {
            if (members.TryGetValue(r.Sublink, out var m) && bundle.Resume(m.Index))
            {
                Log(LogSeverity.Information, $"sublink {m.Name} heard from again: data goes out on it again");
                PublishStatus();
            }
        });
        Receive<DirectIn>(d =>
        {
            if (members.ContainsKey(d.Sublink))
                bundle.ReceiveDirect(d.Protocol, d.Information, MonotonicClock.Now);
        });
        Receive<MemberPathClosed>(c => RemoveMember(c.Sublink, "its data path closed"));
        Receive<SendIp>(s =>
        {
            s.Gate?.Leave();
            SendIp(s.Packet);
        });
        Receive<StartSublink>(s =>
        {
            specs[s.Name] = new SublinkSpec(s.Name, s.Transport, s.Carrier, s.Remote, s.BytesPerSecond);
            closedByOperator.Remove(s.Name);
            Start(s.Name);
        });
        Receive<StopSublink>(s =>
        {
            closedByOperator.Add(s.Name);
            specs.Remove(s.Name);
            if (children.TryGetValue(s.Name, out var child))
            {
                // ppp.linkdown: the bundle stops waiting for it at once, before LCP says goodbye.
                RemoveMember(child, s.Reason);
                child.Tell(new CloseSublink(s.Reason));
            }
        });
        Receive<Adopt>(a => AdoptSublink(a.Up));
        Receive<Terminated>(t => OnChildTerminated(t.ActorRef));
        Receive<RestartSublink>(r => Start(r.Name));
        Receive<BundleTimerFired>(t => bundle.TimerExpired(t.Timer, MonotonicClock.Now));
        Receive<StatsTick>(_ =>
        {
            if (options.Adopting)
                MirrorWeights();
            ApplyPathDelays();
            PublishStatus();
        });
        Receive<TrafficTick>(_ => traffic?.Tick(MonotonicClock.Now, this));
        Receive<GetBundleStatus>(_ => Sender.Tell(Status()));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(BundleOptions options) => Akka.Actor.Props.Create(() => new BundleActor(options));

    /// <summary>A receiver hands an authenticated sublink to the bundle of its identity.</summary>
    public sealed record Adopt(SublinkUp Up);

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(e => e switch
        {
            // A dead transport: stop it; Terminated brings it back with back-off.
            SublinkTransportException => Directive.Stop,
            // A transport that cannot even be opened (network unreachable): stop too, never a hot restart loop.
            ActorInitializationException => Directive.Stop,
            // Anything else is a bug in the sublink: restart that sublink alone, from scratch.
            _ => Directive.Restart,
        });

    protected override void PreStart()
    {
        foreach (var spec in options.Sublinks)
            Start(spec.Name);
        Timers.StartPeriodicTimer(StatsTimerKey, StatsTick.Instance, StatsPeriod);
        if (traffic is not null)
            Timers.StartPeriodicTimer(TrafficTimerKey, TrafficTick.Instance, TrafficPeriod);
        PublishStatus();
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Publish(new BundleRemoved(Name));
    }

    private string Name => options.Settings.Name;

    private void Start(string name)
    {
        if (children.ContainsKey(name) || !specs.TryGetValue(name, out var spec) || options.Adopting)
            return;
        var sublink = new SublinkOptions(Name, name, options.MemberSession, spec.Transport, spec.Carrier, spec.Remote,
            options.EchoPeriod, options.EchoMisses, EstablishTimeout: TimeSpan.FromSeconds(30));
        var child = Context.ActorOf(SublinkActor.Props(sublink, Self), $"link-{Uri.EscapeDataString(name)}");
        Context.Watch(child);
        children[name] = child;
        log.Info("{0}: starting sublink {1} over {2}", Name, name, spec.Carrier);
    }

    private void AdoptSublink(SublinkUp up)
    {
        Context.Watch(up.Sublink);
        children[up.Name] = up.Sublink;
        up.Sublink.Tell(new JoinedBundle(Self, Name));
        OnSublinkUp(up);
    }

    private void OnSublinkUp(SublinkUp up)
    {
        int index = Array.IndexOf(byIndex, null);
        if (index < 0)
        {
            up.Sublink.Tell(new Refused($"bundle {Name} already has {byIndex.Length} links"));
            return;
        }
        double weight = specs.TryGetValue(up.Name, out var spec) ? spec.BytesPerSecond : 1_250_000;
        if (!bundle.AddMember(index, up.Link, weight, MonotonicClock.Now, out var refusal))
        {
            log.Warning("{0}: sublink {1} refused: {2}", Name, up.Name, refusal);
            up.Sublink.Tell(new Refused(refusal!));
            return;
        }
        byIndex[index] = up.Sublink;
        dataPaths[index] = up.DataPath;
        // A fresh gate: fragments still queued to the member that had this index leave the old one.
        queueDropsOfFormerMembers += memberGates[index].Dropped;
        memberGates[index] = new PacketGate();
        members[up.Sublink] = (index, up.Name);
        lastBytesIn[index] = bundle.Reassembler?.MemberStatistics(index).BytesIn ?? 0;
        smoothedRate[index] = 0;
        restarts.Remove(up.Name);
        // Our own sublinks learn they are members (the receiver's adopted ones were told in AdoptSublink): their
        // fragments then come here straight from the socket.
        if (!options.Adopting)
            up.Sublink.Tell(new JoinedBundle(Self, Name));
        Log(LogSeverity.Information, $"sublink {up.Name} joined ({bundle.MemberCount} open)");
        PublishStatus();
    }

    private void RemoveMember(IActorRef sublink, string reason)
    {
        if (!members.Remove(sublink, out var m))
            return;
        byIndex[m.Index] = null;
        dataPaths[m.Index] = null;
        bundle.RemoveMember(m.Index, MonotonicClock.Now);
        Log(LogSeverity.Warning, $"sublink {m.Name} left: {reason} ({bundle.MemberCount} open)");
        PublishStatus();
    }

    private void OnChildTerminated(IActorRef child)
    {
        RemoveMember(child, "sublink stopped");
        var name = children.FirstOrDefault(c => c.Value.Equals(child)).Key;
        if (name is null)
            return;
        children.Remove(name);
        if (options.Adopting)
        {
            // A receiver-side bundle lives as long as its sublinks: a gateway that left leaves no state behind.
            if (children.Count == 0)
                Context.Stop(Self);
            return;
        }
        if (closedByOperator.Contains(name) || !specs.ContainsKey(name))
            return;
        int attempt = restarts.GetValueOrDefault(name) + 1;
        restarts[name] = attempt;
        var delay = TimeSpan.FromTicks(Math.Min(options.RestartMax.Ticks, options.RestartMin.Ticks << Math.Min(attempt - 1, 16)));
        log.Info("{0}: sublink {1} stopped; starting it again in {2} ms", Name, name, delay.TotalMilliseconds);
        Timers.StartSingleTimer(("restart", name), new RestartSublink(name), delay);
    }

    /// <summary>
    /// A receiver cannot know its sublinks' speeds, but the gateway weighs what it sends by them: each member's
    /// weight follows the rate it receives at (smoothed), so the reply traffic spreads the way the gateway's does and
    /// a slow line is not given an equal share.
    /// </summary>
    private void MirrorWeights()
    {
        if (bundle.Reassembler is not { } reassembler)
            return;
        foreach (var (index, _) in members.Values)
        {
            long bytes = reassembler.MemberStatistics(index).BytesIn;
            long previous = lastBytesIn[index];
            lastBytesIn[index] = bytes;
            double rate = Math.Max(0, bytes - previous) / StatsPeriod.TotalSeconds;
            smoothedRate[index] = smoothedRate[index] == 0 ? rate : smoothedRate[index] * 0.7 + rate * 0.3;
            bundle.SetWeight(index, Math.Max(smoothedRate[index], MinimumWeight));
        }
    }

    /// <summary>
    /// Each member's one-way delay (half its echo RTT) goes to the fragmenter, so pieces are timed to arrive
    /// together on paths of unequal latency, and the spread between the fastest and the slowest path to the
    /// reassembler, so it waits that long for a slow path's fragment before it calls it lost.
    /// </summary>
    private void ApplyPathDelays()
    {
        double least = double.MaxValue, most = 0;
        foreach (var (index, _) in members.Values)
        {
            if (dataPaths[index]?.SmoothedRtt is not { } rtt)
                continue;
            var oneWay = rtt / 2;
            bundle.Fragmenter?.SetDelay(index, oneWay);
            least = Math.Min(least, oneWay.TotalSeconds);
            most = Math.Max(most, oneWay.TotalSeconds);
        }
        if (most > least)
            bundle.Reassembler?.ObserveDelaySpread(TimeSpan.FromSeconds(most - least));
    }

    private void SendIp(ReadOnlySpan<byte> packet)
    {
        if (bundle.SendIp(packet, MonotonicClock.Now))
        {
            packetsOut++;
            octetsOut += packet.Length;
        }
    }

    void ITrafficOutput.Send(ReadOnlySpan<byte> ipPacket) => SendIp(ipPacket);

    void IBundleHandler.SendFragment(int member, ReadOnlySpan<byte> fragment)
    {
        if (byIndex[member] is not { } sublink)
            return;
        if (dataPaths[member] is { } path)
        {
            if (path.Send(fragment))
                return;
            // The sublink left the Network phase a moment ago, or its interface queue is full (the kernel said
            // ENOBUFS): the fragment goes out on another member (any member may carry any fragment, RFC 1990), so
            // a full queue on one link is not a loss while another has room; a closed member is dropped before the
            // next packet is scheduled.
            if (path.IsClosed)
                Self.Tell(new MemberPathClosed(sublink));
            else
                redirectedFragments++;
            foreach (var other in dataPaths)
            {
                if (other is not null && other != path && !other.IsClosed && other.Send(fragment))
                    return;
            }
            return;
        }
        // A sublink that far behind (its socket slower than the fragments come) loses the fragment, counted.
        var gate = memberGates[member];
        if (gate.TryEnter())
            sublink.Tell(new FragmentOut(fragment.ToArray(), gate));
    }

    void IBundleHandler.StartTimer(BundleTimer timer, TimeSpan interval) =>
        Timers.StartSingleTimer(timer, new BundleTimerFired(timer), interval);

    void IBundleHandler.StopTimer(BundleTimer timer) => Timers.Cancel(timer);

    void IBundleHandler.OnEvent(SessionEvent bundleEvent)
    {
        switch (bundleEvent)
        {
            case NetworkUp up:
                upSince = DateTimeOffset.UtcNow;
                Log(LogSeverity.Information, $"bundle up: {up.Addresses}");
                traffic?.SetAddresses(ToUint(up.LocalAddress), ToUint(up.PeerAddress), MonotonicClock.Now);
                PublishStatus();
                break;
            case NetworkDown:
                upSince = null;
                Log(LogSeverity.Warning, "bundle down");
                traffic?.ClearAddresses();
                PublishStatus();
                break;
            default:
                log.Info("{0}", bundleEvent);
                break;
        }
    }

    void IBundleHandler.OnIpPacket(ReadOnlySpan<byte> packet)
    {
        packetsIn++;
        octetsIn += packet.Length;
        traffic?.Receive(packet, MonotonicClock.Now, this);
        options.IpSink?.OnPacket(Name, packet);
    }

    private static uint ToUint(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    private void Log(LogSeverity severity, string message)
    {
        log.Info("{0}: {1}", Name, message);
        Context.System.EventStream.Publish(new LogWritten(new LogEntry(DateTimeOffset.UtcNow, Name, severity, message)));
    }

    private void PublishStatus() => Context.System.EventStream.Publish(new BundleChanged(Status()));

    private BundleStatus Status()
    {
        rates.Sample(octetsIn, octetsOut, MonotonicClock.Now);
        var stats = bundle.Reassembler?.Statistics;
        var reassembly = new ReassemblyStatus(
            stats?.ReassembledPackets ?? 0, stats?.LostPackets ?? 0, stats?.DuplicateFragments ?? 0, stats?.LateFragments ?? 0,
            stats?.ReorderDepth ?? 0, stats?.PeakReorderDepth ?? 0, stats?.BufferedBytes ?? 0, stats?.PeakBufferedBytes ?? 0);
        var trafficStatus = traffic is null
            ? null
            : new TrafficStatus(traffic.GoodputBitsPerSecond, traffic.SmoothedRtt?.TotalMilliseconds, traffic.ProbeLossPercent,
                traffic.ProbesSent, traffic.ProbesAnswered);
        var network = bundle.Network;
        return new BundleStatus(
            Name,
            network is not null,
            members.Values.Select(m => m.Name).Order(StringComparer.Ordinal).ToArray(),
            bundle.Parameters?.PeerMrru,
            network?.LocalAddress.ToString(),
            network?.PeerAddress.ToString(),
            upSince,
            reassembly,
            trafficStatus,
            new LinkCounters(octetsIn, octetsOut, packetsIn, packetsOut, bundle.UndeliverablePackets, rates.BitsPerSecondIn, rates.BitsPerSecondOut))
        {
            QueueDrops = queueDropsOfFormerMembers + memberGates.Sum(g => g.Dropped),
            RedirectedFragments = redirectedFragments,
            Paused = members.Values.Where(m => bundle.Suspended.Contains(m.Index)).Select(m => m.Name).Order(StringComparer.Ordinal).ToArray(),
        };
    }

    private sealed record BundleTimerFired(BundleTimer Timer);

    private sealed record RestartSublink(string Name);

    private sealed record StatsTick
    {
        public static StatsTick Instance { get; } = new();
    }

    private sealed record MemberPathClosed(IActorRef Sublink);

    private sealed record TrafficTick
    {
        public static TrafficTick Instance { get; } = new();
    }
}
