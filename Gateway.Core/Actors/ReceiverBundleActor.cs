using Akka.Actor;
using Gateway.Core.Ppp.Multilink;
using Gateway.Core.Actors.Messages;
using static Gateway.Core.Actors.Messages.BundleMessages;

namespace Gateway.Core.Actors;

/// <summary>
/// A receiver's bundle (one per gateway: the seed's <c>vpn-in</c>): it adopts the sublinks that authenticated at the
/// receiver with its identity, weighs each by the rate it receives on it (<see cref="RateMirror"/>: it cannot know the
/// gateway's line speeds). The receiver stops it once the last sublink it adopted has ended, so a gateway that left
/// leaves no state behind.
/// </summary>
public sealed class ReceiverBundleActor : BundleActor
{
    public ReceiverBundleActor(BundleOptions options) : base(options)
    {
        Receive<Adopt>(a =>
        {
            Context.Watch(a.Up.Sublink);
            Join(a.Up);
        });
        // A member link on another node of the receiver cluster, through its relay there (issue 14).
        Receive<RemoteSublinkUp>(r =>
        {
            Context.Watch(r.Relay);
            // Formed again on this node after its node went: number on past what the peer took from it.
            if (r.NextSequence >= 0)
                Session.NumberOnFrom((uint)(r.NextSequence + RenumberingMargin(r.Link.SendShortSequence)));
            if (relays.Add(r.Relay) && relays.Count == 1)
                StartNumberingReports();
            var path = new MemberDataPath(new RelayTransport(r.Relay), default, r.Link.PeerMru, _ => { }, frame: false);
            Join(new SublinkUp(r.Name, r.Relay, r.Link, r.PeerName, null, path));
        });
        // The receiver stops the bundle once the last sublink it handed over has ended (ReceiverBundleTable).
        Receive<Terminated>(t =>
        {
            if (relays.Remove(t.ActorRef) && relays.Count == 0)
                StopNumberingReports();
            Leave(t.ActorRef, "sublink stopped");
        });
        // While the bundle sends, every NumberingPeriod; once it has sent nothing for a period, the 1 s stats tick looks
        // instead (an idle bundle costs no timer of its own).
        Receive<NumberingTick>(_ =>
        {
            if (!ReportNumbering())
                StopNumberingReports();
        });
    }

    /// <summary>Tells the relays how far the bundle has numbered, if that moved since it last told them; false when it did not.</summary>
    private bool ReportNumbering()
    {
        if (Session.Fragmenter is not { } fragmenter || fragmenter.NextSequence == reportedNumbering)
            return false;
        reportedNumbering = fragmenter.NextSequence;
        var numbering = new BundleNumbering(reportedNumbering);
        foreach (var relay in relays)
            relay.Tell(numbering);
        return true;
    }

    private void StartNumberingReports()
    {
        numberingReports = true;
        Timers.StartPeriodicTimer(NumberingTimerKey, NumberingTick.Instance, NumberingPeriod);
    }

    private void StopNumberingReports()
    {
        numberingReports = false;
        Timers.Cancel(NumberingTimerKey);
    }

    /// <summary>How often the bundle tells its members on other nodes how far it has numbered (<see cref="BundleNumbering"/>).</summary>
    public static readonly TimeSpan NumberingPeriod = TimeSpan.FromMilliseconds(100);

    private const string NumberingTimerKey = "numbering";

    private readonly HashSet<IActorRef> relays = [];
    private long reportedNumbering = -1;
    private bool numberingReports;

    /// <summary>
    /// How far past the number a relay knew a bundle formed again numbers on: what the bundle sent after it last told
    /// its relays (<see cref="NumberingPeriod"/>) or on its other members, which the peer may have taken and would
    /// drop again as late. Half the jump a reassembler believes by default (RFC 1990 leaves it to the receiver; ours:
    /// 256 short, 2048 long), so a peer like us takes the jump; the numbers skipped are lost to it at once by the M
    /// rule once every member carries the new numbering.
    /// </summary>
    internal static int RenumberingMargin(bool shortSequence) => shortSequence ? 128 : 1024;

    public static Props Props(BundleOptions options) => Akka.Actor.Props.Create(() => new ReceiverBundleActor(options));

    /// <summary>A receiver hands an authenticated sublink to the bundle of its identity.</summary>
    public sealed record Adopt(SublinkUp Up);

    /// <summary>What the bundle sends on a member link on another node: each fragment to its relay, as a message.</summary>
    private sealed class RelayTransport(IActorRef relay) : ISublinkTransport
    {
        public string Description => $"relay {relay.Path.Address}";

        public bool Send(ReadOnlySpan<byte> datagram)
        {
            relay.Tell(new RelayedFragment(datagram.ToArray()), ActorRefs.NoSender);
            return true;
        }

        public void Dispose()
        {
        }
    }

    private sealed class NumberingTick
    {
        public static readonly NumberingTick Instance = new();
    }

    protected override double JoiningWeight(SublinkUp up) => RateMirror.MinimumWeight;

    protected override void OnStatsTick()
    {
        if (!numberingReports && relays.Count > 0 && ReportNumbering())
            StartNumberingReports();
        if (Session.Reassembler is { } reassembler)
        {
            foreach (var member in Members.All)
            {
                long bytes = reassembler.MemberStatistics(member.Index).BytesIn;
                member.SmoothedRate = RateMirror.Smooth(member.SmoothedRate, bytes - member.SampledBytesIn, StatsPeriod);
                member.SampledBytesIn = bytes;
                member.Weight = RateMirror.Weight(member.SmoothedRate);
                Session.SetWeight(member.Index, member.Weight);
            }
        }
        base.OnStatsTick();
    }
}
