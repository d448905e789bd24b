using Akka.Actor;
using Akka.Event;
using Gateway.Core.Actors.Messages;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Transport;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Core.Actors.Cluster;

/// <summary>
/// A sublink's stand-in for a bundle on another node of the receiver cluster (issue 14). It lives on the node that
/// holds the sublink (its socket, its session), next to it: to the sublink it is its bundle (<see cref="JoinedBundle"/>
/// names the relay, so the sublink's fragments and reports come here, locally, as they would go to a local bundle); to
/// the bundle it is the member link (<see cref="RemoteSublinkUp"/>, then every report with the relay as the sublink).
/// Fragments cross the nodes as <see cref="FragmentIn"/> one way and <see cref="RelayedFragment"/> the other, over
/// Akka.Remote with <see cref="MemberRelaySerializer"/>; a bundle that the cluster placed on the relay's own node takes
/// the sublink's pooled packets as they are (stamped with the member's index and key, as a local bundle's would be).
/// What the bundle sends goes out on the sublink's own <see cref="MemberDataPath"/>, which frames it as the sublink's
/// LCP agreed. The relay stops with its sublink, and the
/// bundle, which watches it, takes the member out.
/// <para>
/// Until the bundle has answered, what the relay says goes to <c>firstContact</c>, wrapped in a <see cref="ForBundle"/>
/// of the bundle's identity when that is the cluster's shard region (which places the bundle on some node); from then
/// on straight to the bundle. When the bundle's node goes (the relay watches the bundle), the relay asks for the bundle
/// again the same way, and the cluster forms it anew on a node that is up, with the sublink as a member. A bundle whose
/// node is leaving the cluster says so first (<see cref="BundleMoving"/>): the relay then waits until that node has gone
/// before it asks, so that the shard coordinator of a node that stays places the bundle (docs/DESIGN.md, "Rolling restart").
/// </para>
/// </summary>
public sealed class MemberRelay : ReceiveActor, IWithTimers
{
    /// <summary>
    /// How often a relay without a bundle asks for it again until the bundle answers: a request sent while the cluster
    /// still places the bundle on the node that went is lost with that node.
    /// </summary>
    public static readonly TimeSpan AskPeriod = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long a relay whose bundle left with its node waits for that node to be gone before it asks anyway: longer
    /// than a node's leaving takes (Akka's coordinated shutdown, a few seconds), bounded in case it never ends.
    /// </summary>
    public static readonly TimeSpan LeavingNodeLimit = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a relay goes on without a bundle before it refuses its sublink, which then closes (LCP Terminate) and
    /// the gateway redials it, to the next receiver of its <c>set device</c> list if it has one: a node cut off from
    /// the cluster's shard coordinator (downed, left alone) can place no bundle, and a sublink kept up meanwhile would
    /// answer its echoes while its data went nowhere. Longer than a bundle takes to form again after its node died.
    /// </summary>
    public static readonly TimeSpan WithoutBundleLimit = TimeSpan.FromSeconds(20);

    private const string AskTimerKey = "ask";
    private const string WithoutBundleTimerKey = "without-bundle";
    private const string LeavingTimerKey = "leaving";

    private readonly IActorRef firstContact;
    private readonly string? identity;
    private readonly TimeSpan withoutBundleLimit;
    private IActorRef? bundle;
    private bool bundleHere;
    private IActorRef? leavingNode;
    private IActorRef sublink;
    private MemberDataPath? dataPath;
    private RemoteSublinkUp? up;
    private long nextSequence = -1;

    /// <param name="firstContact">The bundle itself, or the cluster's shard region of bundles (then with <paramref name="identity"/>).</param>
    /// <param name="identity">The bundle's identity in the shard region; null when <paramref name="firstContact"/> is the bundle.</param>
    /// <param name="address">The peer address this node chose for the bundle (an index into <c>set ifaddr</c>'s range), or -1.</param>
    /// <param name="withoutBundleLimit"><see cref="WithoutBundleLimit"/> unless a test says otherwise.</param>
    public MemberRelay(SublinkUp up, IActorRef firstContact, string? identity = null, int address = -1, TimeSpan? withoutBundleLimit = null)
    {
        this.withoutBundleLimit = withoutBundleLimit ?? WithoutBundleLimit;
        this.firstContact = firstContact;
        this.identity = identity;
        Address = address;
        sublink = up.Sublink;
        Receive<SublinkUp>(u => Up(u, Address));

        // The bundle, to the sublink: it joined (as the relay), was refused, or must reject a protocol.
        Receive<JoinedBundle>(j =>
        {
            Timers.Cancel(AskTimerKey);
            Timers.Cancel(WithoutBundleTimerKey);
            if (!j.Bundle.Equals(bundle))
            {
                if (bundle is null && DroppedWithoutBundle > 0)
                {
                    Context.GetLogger().Warning("relay for sublink {0}: {1} fragments dropped while its bundle formed again", up?.Name, DroppedWithoutBundle);
                    DroppedWithoutBundle = 0;
                }
                bundle = j.Bundle;
                bundleHere = bundle.Path.Address.HasLocalScope;
                Context.Watch(bundle);
            }
            sublink.Tell(j with { Bundle = Self });
        });
        Receive<Refused>(r => sublink.Tell(r));
        Receive<RejectForBundle>(r => sublink.Tell(r));
        Receive<RelayedFragment>(f =>
        {
            if (dataPath?.Send(f.Fragment) == true)
                Sent(f.Fragment);
        });
        Receive<BundleNumbering>(n => NumberedTo(n.NextSequence));
        Receive<AskAgain>(_ =>
        {
            if (bundle is null && leavingNode is null && this.up is { } again)
                ToBundle(again with { NextSequence = nextSequence });
            else
                Timers.Cancel(AskTimerKey);
        });
        Receive<BundleMoving>(m =>
        {
            if (leavingNode is not null || bundle is null)
                return;
            leavingNode = m.Node;
            Context.Watch(leavingNode);
            Timers.StartSingleTimer(LeavingTimerKey, LeavingNodeGone.Instance, LeavingNodeLimit);
        });
        Receive<LeavingNodeGone>(_ => LeavingNodeLeft());
        Receive<NoBundle>(_ =>
        {
            if (bundle is not null || this.up is null)
                return;
            Context.GetLogger().Warning("relay for sublink {0}: no bundle in the cluster for {1}; the sublink is refused so that its gateway redials",
                this.up.Name, this.withoutBundleLimit);
            sublink.Tell(new Refused($"the receiver cluster placed no bundle for it within {this.withoutBundleLimit.TotalSeconds:0} s"));
        });

        // The sublink, to the bundle: its fragments and its reports, with the relay as the member link.
        Receive<Packet>(p =>
        {
            // A bundle on this node takes the packet itself (the sublink stamped it with the member's index and key
            // the bundle gave): no copy, and the bundle gives it back to its lane.
            if (bundleHere)
            {
                bundle!.Tell(p);
                return;
            }
            try
            {
                // Between the bundle's node going and the bundle forming again, there is nowhere to reassemble them.
                if (bundle is null)
                    DroppedWithoutBundle++;
                else
                    bundle.Tell(new FragmentIn(Self, p.Span.ToArray()));
            }
            finally
            {
                p.Release();
            }
        });
        Receive<FragmentIn>(f => ToBundle(f with { Sublink = Self }));
        Receive<DirectIn>(d => ToBundle(d with { Sublink = Self }));
        Receive<SublinkDown>(d =>
        {
            dataPath = null;
            this.up = null;
            ToBundle(d with { Sublink = Self });
        });
        Receive<MemberUnreachable>(m => ToBundle(m with { Sublink = Self }));
        Receive<MemberReachable>(m => ToBundle(m with { Sublink = Self }));
        Receive<MemberLate>(m => ToBundle(m with { Sublink = Self }));
        Receive<MemberOnTime>(m => ToBundle(m with { Sublink = Self }));
        Receive<MemberRejectedProtocol>(m => ToBundle(m with { Sublink = Self }));
        Receive<Terminated>(t =>
        {
            if (t.ActorRef.Equals(sublink))
            {
                Context.Stop(Self);
            }
            else if (t.ActorRef.Equals(bundle))
            {
                // Its node went (or it stopped): ask for the bundle again, with this member up if it is; once the node
                // has gone when it is leaving the cluster.
                bundle = null;
                bundleHere = false;
                ExpectBundle();
                if (leavingNode is null)
                    AskForBundle();
            }
            else if (t.ActorRef.Equals(leavingNode))
            {
                LeavingNodeLeft();
            }
        });
        Up(up, Address);
    }

    public static Props Props(SublinkUp up, IActorRef firstContact, string? identity = null, int address = -1, TimeSpan? withoutBundleLimit = null) =>
        Akka.Actor.Props.Create(() => new MemberRelay(up, firstContact, identity, address, withoutBundleLimit));

    private int Address { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Fragments the sublink read while the relay had no bundle to give them to (its node had gone).</summary>
    private long DroppedWithoutBundle { get; set; }

    protected override void PreStart() => Context.Watch(sublink);

    /// <summary>The sublink reached the Network phase (again): the bundle hears of it as a member link with no data path of its own.</summary>
    private void Up(SublinkUp up, int address)
    {
        sublink = up.Sublink;
        dataPath = up.DataPath;
        // What it sent the peer matters only to a bundle formed again (this relay lost the one it had).
        this.up = new RemoteSublinkUp(up.Name, Self, up.Link, up.PeerName, up.Remote?.ToString(), address, bundle is null ? nextSequence : -1);
        ToBundle(this.up);
        if (bundle is null)
            ExpectBundle();
        if (bundle is null && leavingNode is null)
            Timers.StartPeriodicTimer(AskTimerKey, AskAgain.Instance, AskPeriod);
    }

    /// <summary>Without a bundle from now: the sublink is refused if none answers within the limit.</summary>
    private void ExpectBundle()
    {
        if (!Timers.IsTimerActive(WithoutBundleTimerKey))
            Timers.StartSingleTimer(WithoutBundleTimerKey, NoBundle.Instance, withoutBundleLimit);
    }

    /// <summary>Asks for the bundle again (this member up, numbering on past what the peer has), and on until it answers.</summary>
    private void AskForBundle()
    {
        if (this.up is not { } again)
            return;
        ToBundle(again with { NextSequence = nextSequence });
        Timers.StartPeriodicTimer(AskTimerKey, AskAgain.Instance, AskPeriod);
    }

    /// <summary>The node the bundle left with has gone (or <see cref="LeavingNodeLimit"/> passed): the bundle may be asked for.</summary>
    private void LeavingNodeLeft()
    {
        if (leavingNode is null)
            return;
        Timers.Cancel(LeavingTimerKey);
        Context.Unwatch(leavingNode);
        leavingNode = null;
        if (bundle is null)
            AskForBundle();
    }

    /// <summary>Notes the sequence number of a fragment sent to the peer: the bundle, formed again, numbers on past it.</summary>
    private void Sent(ReadOnlySpan<byte> fragment)
    {
        if (this.up is { } u && MpHeaderCodec.TryRead(fragment, Format(u), out var header, out _) == MpHeaderStatus.Ok)
            NumberedTo(header.Sequence + 1L);
    }

    /// <summary>The bundle has numbered up to <paramref name="next"/> (exclusive): kept when it is ahead of what the relay knew (serial arithmetic).</summary>
    private void NumberedTo(long next)
    {
        if (this.up is not { } u || next < 0)
            return;
        if (nextSequence < 0 || MpHeaderCodec.IsAhead((uint)next, (uint)nextSequence, Format(u)))
            nextSequence = next & MpHeaderCodec.SequenceMask(Format(u));
    }

    private static MpSequenceFormat Format(RemoteSublinkUp up) => up.Link.SendShortSequence ? MpSequenceFormat.Short : MpSequenceFormat.Long;

    private sealed class AskAgain
    {
        public static readonly AskAgain Instance = new();
    }

    private sealed class LeavingNodeGone
    {
        public static readonly LeavingNodeGone Instance = new();
    }

    private sealed class NoBundle
    {
        public static readonly NoBundle Instance = new();
    }

    /// <summary>To the bundle, or to the cluster to find it; nowhere while its node is leaving (a report now would have the departing coordinator place it).</summary>
    private void ToBundle(object message)
    {
        if (bundle is not null)
            bundle.Tell(message);
        else if (leavingNode is null)
            firstContact.Tell(identity is null ? message : new ForBundle(identity, message));
    }
}
