using System.Net;
using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Framing;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Tests.Actors.VirtualTime;

/// <summary>
/// The far end of a bundle actor under test, as a test actor around a pure <see cref="BundleSession"/>: it brings two
/// member links to the bundle (<see cref="SublinkUp"/> with a data path that hands the bundle's fragments back here),
/// runs IPCP with it over those, and sends IP packets into it as Multilink fragments, losing those of a packet when
/// asked. Every fragment reaches the bundle on the first member link; the second stays silent, a slow path whose
/// fragments are still in flight, so only the reorder timeout can give a gap up (RFC 1990's M is the least of the
/// members' latest sequence numbers).
/// </summary>
internal sealed class FarBundle : ReceiveActor, IBundleHandler
{
    /// <summary>What both ends' LCP agreed on each member link: Multilink with long sequence numbers, MRRU 1500.</summary>
    public static readonly LcpNegotiated Link = new() { PeerMrru = 1500, LocalMrru = 1500 };

    private readonly IActorRef bundle;
    private readonly IActorRef[] members;
    private readonly BundleSession session;
    private readonly SyncFrameDecoder decoder = new();
    private readonly RoomSwitch room;
    private bool losing;

    public FarBundle(IActorRef bundle, IActorRef[] members, BundleSettings settings, RoomSwitch? room = null)
    {
        this.bundle = bundle;
        this.members = members;
        this.room = room ?? new RoomSwitch();
        session = new BundleSession(settings, this);
        Receive<FrameFromBundle>(f =>
        {
            if (decoder.TryDecode(f.Frame, out var frame) && frame.Protocol == (ushort)PppProtocol.Multilink)
                session.ReceiveFragment(f.Member, frame.Information, Now);
        });
        Receive<Send>(s =>
        {
            losing = s.Lose;
            Sender.Tell(session.SendIp(s.Packet, Now));
            losing = false;
        });
        Receive<GetOpened>(_ => Sender.Tell(session.Network is not null));
        Receive<GetReassembly>(_ => Sender.Tell(session.Reassembler!.Statistics));
    }

    /// <summary>
    /// Settings for either end: IPCP with these addresses and no CCP either way, so IPCP is all that crosses before the
    /// data; <paramref name="reassembly"/> when given.
    /// </summary>
    public static BundleSettings Settings(string name, IPAddress local, IPAddress? peer, MpReassemblerOptions? reassembly = null) => new()
    {
        Name = name,
        Ipcp = IpcpSettings.Default with { LocalAddress = local, PeerAddress = peer },
        Compression = CompressionControl.ProtocolReject,
        Reassembly = reassembly ?? new MpReassemblerOptions(),
    };

    public static Props Props(IActorRef bundle, IActorRef[] members, BundleSettings settings, RoomSwitch? room = null) =>
        Akka.Actor.Props.Create(() => new FarBundle(bundle, members, settings, room));

    /// <summary>
    /// Whether the member links' transports, as the bundle under test sends on them, take what it sends: off, they
    /// have no room and refuse every datagram, as an ISP link's full outbound lane does.
    /// </summary>
    public sealed class RoomSwitch
    {
        private volatile bool open = true;
        private volatile int full = -1;

        /// <summary>Whether every member link has room (unless <see cref="Full"/> names it).</summary>
        public bool Open
        {
            get => open;
            set => open = value;
        }

        /// <summary>The one member link (0-based) with no room while <see cref="Open"/>; -1: none.</summary>
        public int Full
        {
            get => full;
            set => full = value;
        }

        public bool HasRoom(int member) => open && member != full;
    }

    /// <summary>Answered with this end's reassembler's <see cref="MpReassemblerStatistics"/>.</summary>
    public sealed record GetReassembly
    {
        public static GetReassembly Instance { get; } = new();
    }

    /// <summary>Sends <paramref name="Packet"/> into the bundle (answered with whether it went out); <paramref name="Lose"/>: its fragments are lost on the way.</summary>
    public sealed record Send(byte[] Packet, bool Lose = false);

    /// <summary>Answered with whether this end's IPCP is Opened.</summary>
    public sealed record GetOpened
    {
        public static GetOpened Instance { get; } = new();
    }

    private TimeSpan Now => Context.System.Scheduler.MonotonicClock;

    protected override void PreStart()
    {
        // The member links join the bundle before any fragment of ours can reach it (one sender: in order).
        for (int i = 0; i < members.Length; i++)
        {
            var path = new MemberDataPath(new BackToFar(Self, i, room), PppHeaderCompression.None, Link.PeerMru, _ => { });
            bundle.Tell(new SublinkUp((i + 1).ToString(), members[i], Link, "far", null, path));
        }
        for (int i = 0; i < members.Length; i++)
        {
            if (!session.AddMember(i, Link, 125_000, Now, out var refusal))
                throw new InvalidOperationException(refusal);
        }
    }

    void IBundleHandler.SendFragment(int member, ReadOnlySpan<byte> fragment)
    {
        if (!losing)
            bundle.Tell(new FragmentIn(members[0], fragment.ToArray()));
    }

    // In memory nothing is lost unless asked: no retransmission, so no timer of this end's.
    void IBundleHandler.StartTimer(BundleTimer timer, TimeSpan interval)
    {
    }

    void IBundleHandler.StopTimer(BundleTimer timer)
    {
    }

    void IBundleHandler.OnEvent(SessionEvent bundleEvent)
    {
    }

    void IBundleHandler.OnIpPacket(ReadOnlySpan<byte> packet)
    {
    }

    private sealed record FrameFromBundle(int Member, byte[] Frame);

    /// <summary>A member link's transport as the bundle under test sends on it: its frames come back to the far end.</summary>
    private sealed class BackToFar(IActorRef far, int member, RoomSwitch room) : ISublinkTransport
    {
        public string Description => $"in memory to the far end's member {member + 1}";

        public bool HasRoom => room.HasRoom(member);

        public bool Send(ReadOnlySpan<byte> datagram)
        {
            if (!room.HasRoom(member))
                return false;
            far.Tell(new FrameFromBundle(member, datagram.ToArray()), ActorRefs.NoSender);
            return true;
        }

        public void Dispose()
        {
        }
    }
}
