using Akka.Actor;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Transport;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Core.Actors.Cluster;

/// <summary>
/// A sublink's stand-in for a bundle on another node of the receiver cluster (issue 14). It lives on the node that
/// holds the sublink (its socket, its session), next to it: to the sublink it is its bundle (<see cref="JoinedBundle"/>
/// names the relay, so the sublink's fragments and reports come here, locally, as they would go to a local bundle); to
/// the bundle it is the member link (<see cref="RemoteSublinkUp"/>, then every report with the relay as the sublink).
/// Fragments cross the nodes as <see cref="FragmentIn"/> one way and <see cref="RelayedFragment"/> the other, over
/// Akka.Remote with <see cref="MemberRelaySerializer"/>; what the bundle sends goes out on the sublink's own
/// <see cref="MemberDataPath"/>, which frames it as the sublink's LCP agreed. The relay stops with its sublink, and the
/// bundle, which watches it, takes the member out.
/// </summary>
public sealed class MemberRelay : ReceiveActor
{
    private readonly IActorRef bundle;
    private IActorRef sublink;
    private MemberDataPath? dataPath;

    public MemberRelay(SublinkUp up, IActorRef bundle)
    {
        this.bundle = bundle;
        sublink = up.Sublink;
        Receive<SublinkUp>(Up);

        // The bundle, to the sublink: it joined (as the relay), was refused, or must reject a protocol.
        Receive<JoinedBundle>(j => sublink.Tell(j with { Bundle = Self }));
        Receive<Refused>(r => sublink.Tell(r));
        Receive<RejectForBundle>(r => sublink.Tell(r));
        Receive<RelayedFragment>(f => dataPath?.Send(f.Fragment));

        // The sublink, to the bundle: its fragments and its reports, with the relay as the member link.
        Receive<Packet>(p =>
        {
            try
            {
                bundle.Tell(new FragmentIn(Self, p.Span.ToArray()));
            }
            finally
            {
                p.Release();
            }
        });
        Receive<FragmentIn>(f => bundle.Tell(f with { Sublink = Self }));
        Receive<DirectIn>(d => bundle.Tell(d with { Sublink = Self }));
        Receive<SublinkDown>(d =>
        {
            dataPath = null;
            bundle.Tell(d with { Sublink = Self });
        });
        Receive<MemberUnreachable>(m => bundle.Tell(m with { Sublink = Self }));
        Receive<MemberReachable>(m => bundle.Tell(m with { Sublink = Self }));
        Receive<MemberLate>(m => bundle.Tell(m with { Sublink = Self }));
        Receive<MemberOnTime>(m => bundle.Tell(m with { Sublink = Self }));
        Receive<MemberRejectedProtocol>(m => bundle.Tell(m with { Sublink = Self }));
        Receive<Terminated>(t =>
        {
            if (t.ActorRef.Equals(sublink))
                Context.Stop(Self);
        });
        Up(up);
    }

    public static Props Props(SublinkUp up, IActorRef bundle) => Akka.Actor.Props.Create(() => new MemberRelay(up, bundle));

    protected override void PreStart() => Context.Watch(sublink);

    /// <summary>The sublink reached the Network phase (again): the bundle hears of it as a member link with no data path of its own.</summary>
    private void Up(SublinkUp up)
    {
        sublink = up.Sublink;
        dataPath = up.DataPath;
        bundle.Tell(new RemoteSublinkUp(up.Name, Self, up.Link, up.PeerName, up.Remote?.ToString()));
    }
}
