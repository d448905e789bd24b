using Akka.Actor;
using Gateway.Core.Actors;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Ppp.Framing;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Ppp.Session;

namespace Gateway.Tests.Actors.VirtualTime;

/// <summary>
/// A receiver's bundle actor whose member links are test probes with in-memory data paths: the bundle's own handling
/// of joins, leaves and its paths, without sockets or sessions.
/// </summary>
internal static class InMemoryMembers
{
    public static IActorRef ReceiverBundle(ActorSystem system, string name, TimeSpan? probationLimit = null) => system.ActorOf(ReceiverBundleActor.Props(new BundleOptions
    {
        RejoinProbationLimit = probationLimit ?? TimeSpan.FromSeconds(30),
        Settings = new BundleSettings
        {
            Name = name,
            Ipcp = IpcpSettings.Default with { LocalAddress = BundleEndToEndTests.ReceiverAddress, PeerAddress = BundleEndToEndTests.GatewayAddress },
            Compression = CompressionControl.ProtocolReject,
        },
        MemberSession = BundleEndToEndTests.GatewayMember(),
        DataPlane = new SinkDataPlaneFactory(new BundleProbeSink()),
    }), name);

    /// <summary>A member's data path whose every send is taken; <paramref name="rtt"/> as its latest echo round trip.</summary>
    public static MemberDataPath Path(TimeSpan? rtt = null, ISublinkTransport? transport = null) =>
        new(transport ?? new Accepting(), PppHeaderCompression.None, FarBundle.Link.PeerMru, _ => { }) { LatestRtt = rtt };

    private sealed class Accepting : ISublinkTransport
    {
        public string Description => "in memory";

        public bool Send(ReadOnlySpan<byte> datagram) => true;

        public void Dispose()
        {
        }
    }
}
