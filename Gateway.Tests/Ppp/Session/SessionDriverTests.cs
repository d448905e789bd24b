using System.Net;
using Gateway.Core.Ppp;
using Gateway.Core.Ppp.Fsm;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Lcp;
using Gateway.Core.Ppp.Lqr;
using Gateway.Core.Ppp.Session;

namespace Gateway.Tests.Ppp.Session;

/// <summary>
/// The session driver every owner uses (modem link, sublink, emulated ISP), two of them back to back on a virtual
/// clock: the keepalive it runs while LCP is open (LCP echo, or LQR when LCP agreed on it), the way it gives a
/// silent peer up, and what it counts. Time is the rig's; no test waits on a real clock.
/// </summary>
public class SessionDriverTests
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private static SessionSettings Settings(string name, bool lqr = false) => new()
    {
        Name = name,
        Framing = FramingMode.Sync,
        Lcp = LcpSettings.Default with { EnableLqr = lqr, AcceptLqr = lqr, LqrPeriod = lqr ? LqrOptions.OptionFromPeriod(Period) : LcpSettings.Default.LqrPeriod },
        Ipcp = IpcpSettings.Default with { LocalAddress = IPAddress.Parse(name == "a" ? "192.0.2.1" : "192.0.2.2") },
    };

    [Fact]
    public void Lcp_echo_runs_from_lcp_up_every_period_and_measures_the_round_trip()
    {
        var pair = new DriverPair(Settings("a"), Settings("b"), new KeepaliveOptions { Echo = true, Period = Period, MaxMisses = 3 });
        pair.Start();
        pair.RunUntil(() => pair.A.Driver.Session.Network is not null);

        Assert.NotNull(pair.A.Driver.Keepalive?.Echo);
        Assert.Null(pair.A.Driver.Keepalive!.Lqr);
        Assert.Equal(Period, pair.A.KeepalivePeriod);
        Assert.Contains(pair.A.Events, e => e is KeepaliveStarted s && s.Description.Contains("LCP echo", StringComparison.Ordinal));
        long before = pair.A.Driver.Keepalive.Echo!.RequestsSent;
        pair.Run(Period * 5);

        Assert.Equal(before + 5, pair.A.Driver.Keepalive.Echo.RequestsSent);
        Assert.Equal(pair.A.Driver.Keepalive.Echo.RequestsSent, pair.A.Driver.Keepalive.Echo.RepliesAccepted);
        Assert.Equal(pair.Delay * 2, pair.A.Driver.Keepalive.SmoothedRtt);
        Assert.DoesNotContain(pair.A.Events, e => e is KeepaliveFailed);
    }

    [Fact]
    public void A_peer_that_goes_silent_is_given_up_after_max_misses_periods_and_the_session_goes_down_at_once()
    {
        var pair = new DriverPair(Settings("a"), Settings("b"), new KeepaliveOptions { Echo = true, Period = Period, MaxMisses = 3 });
        pair.Start();
        pair.RunUntil(() => pair.A.Driver.Session.Network is not null);
        var silentSince = pair.Now;

        pair.Drop = (from, _) => from == pair.B; // B's replies are lost from now on
        pair.RunUntil(() => pair.A.Events.OfType<KeepaliveFailed>().Any());

        var failed = pair.A.Events.OfType<KeepaliveFailed>().Single();
        Assert.Equal("LCP echo: no reply to 3 echo requests", failed.Reason);
        Assert.InRange(pair.Now - silentSince, Period * 3, Period * 4);
        Assert.Equal(LinkPhase.Dead, pair.A.Driver.Session.Phase);        // LowerDown: no Terminate exchange
        Assert.IsType<LinkDown>(pair.A.Events[^1]);
        Assert.Null(pair.A.Driver.Keepalive);
        Assert.Null(pair.A.KeepalivePeriod);
    }

    [Fact]
    public void With_close_on_failure_the_driver_says_goodbye_with_an_lcp_terminate_request()
    {
        var pair = new DriverPair(Settings("a"), Settings("b"), new KeepaliveOptions { Echo = true, Period = Period, MaxMisses = 2 }, KeepaliveFailure.Close);
        pair.Start();
        pair.RunUntil(() => pair.A.Driver.Session.Network is not null);

        pair.Drop = (from, _) => from == pair.B;
        pair.RunUntil(() => pair.A.Events.OfType<KeepaliveFailed>().Any());

        Assert.Contains(pair.A.Sent, f => f.Length > 4 && f[2] == 0xC0 && f[3] == 0x21 && f[4] == (byte)ControlCode.TerminateRequest);
        Assert.Equal(FsmState.Closing, pair.A.Driver.Session.LcpState);
    }

    [Fact]
    public void Lqr_runs_instead_of_echo_when_lcp_agreed_on_it_and_its_packets_stay_with_the_keepalive()
    {
        var keepalive = new KeepaliveOptions { Lqr = true, Echo = true, Period = Period, MaxMisses = 5 };
        var pair = new DriverPair(Settings("a", lqr: true), Settings("b", lqr: true), keepalive);
        pair.Start();
        pair.RunUntil(() => pair.A.Driver.Session.Network is not null);
        pair.Run(Period * 4);

        var lqr = pair.A.Driver.Keepalive?.Lqr;
        Assert.NotNull(lqr);
        Assert.Null(pair.A.Driver.Keepalive!.Echo);
        Assert.True(lqr.Monitor.InLqrs >= 3, $"{lqr.Monitor.InLqrs} reports received");
        Assert.DoesNotContain(pair.A.Packets, p => p == PppProtocol.Lqr);  // not handed to the owner
    }

    [Fact]
    public void When_the_peer_refuses_lqr_enable_lqr_falls_back_to_echo_and_without_echo_nothing_runs()
    {
        var fallback = new DriverPair(Settings("a", lqr: true), Settings("b"), new KeepaliveOptions { Lqr = true, Echo = true, Period = Period });
        fallback.Start();
        fallback.RunUntil(() => fallback.A.Driver.Session.Network is not null);
        Assert.NotNull(fallback.A.Driver.Keepalive?.Echo);
        Assert.Contains(fallback.A.Events, e => e is KeepaliveStarted s && s.Description.Contains("LQR not agreed", StringComparison.Ordinal));

        var none = new DriverPair(Settings("a", lqr: true), Settings("b"), new KeepaliveOptions { Lqr = true, Echo = false, Period = Period });
        none.Start();
        none.RunUntil(() => none.A.Driver.Session.Network is not null);
        Assert.Null(none.A.Driver.Keepalive);
        Assert.Null(none.A.KeepalivePeriod);
    }

    [Fact]
    public void A_suspended_keepalive_sends_nothing_and_counts_nothing_then_carries_on()
    {
        var pair = new DriverPair(Settings("a"), Settings("b"), new KeepaliveOptions { Echo = true, Period = Period, MaxMisses = 2 });
        pair.Start();
        pair.RunUntil(() => pair.A.Driver.Session.Network is not null);
        long sent = pair.A.Driver.Keepalive!.Echo!.RequestsSent;

        pair.A.Driver.KeepaliveSuspended = true;
        pair.Run(Period * 10);
        Assert.Equal(sent, pair.A.Driver.Keepalive.Echo.RequestsSent);

        pair.A.Driver.KeepaliveSuspended = false;
        pair.Run(Period * 3);
        Assert.Equal(sent + 3, pair.A.Driver.Keepalive.Echo.RequestsSent);
        Assert.DoesNotContain(pair.A.Events, e => e is KeepaliveFailed);
    }

    [Fact]
    public void Every_frame_handed_to_the_port_is_counted_with_its_octets()
    {
        var pair = new DriverPair(Settings("a"), Settings("b"), null);
        pair.Start();
        pair.RunUntil(() => pair.A.Driver.Session.Network is not null);

        Assert.Equal(pair.A.Sent.Count, pair.A.Driver.FramesOut);
        Assert.Equal(pair.A.Sent.Sum(f => (long)f.Length), pair.A.Driver.OctetsOut);
        Assert.Null(pair.A.Driver.Keepalive);
    }

    /// <summary>Two drivers back to back over datagrams on a virtual clock; each hop takes <see cref="Delay"/>.</summary>
    private sealed class DriverPair
    {
        private readonly List<(TimeSpan Due, End To, byte[] Frame)> wire = [];

        public DriverPair(SessionSettings a, SessionSettings b, KeepaliveOptions? keepalive, KeepaliveFailure onFailure = KeepaliveFailure.LowerDown)
        {
            A = new End(this, a, keepalive, onFailure);
            B = new End(this, b, keepalive, onFailure);
            A.Peer = B;
            B.Peer = A;
        }

        public End A { get; }

        public End B { get; }

        public TimeSpan Now { get; private set; }

        public TimeSpan Delay { get; } = TimeSpan.FromMilliseconds(10);

        /// <summary>True drops a frame sent by that end.</summary>
        public Func<End, byte[], bool>? Drop { get; set; }

        public void Start()
        {
            A.Driver.Session.Start();
            B.Driver.Session.Start();
        }

        public void Send(End from, byte[] frame)
        {
            if (Drop?.Invoke(from, frame) != true)
                wire.Add((Now + Delay, from.Peer, frame));
        }

        public void RunUntil(Func<bool> condition)
        {
            var limit = Now + TimeSpan.FromMinutes(2);
            while (!condition())
            {
                Assert.True(Now < limit, "the condition never held within two minutes of virtual time");
                Step(limit);
            }
        }

        public void Run(TimeSpan span)
        {
            var end = Now + span;
            while (Step(end))
            {
            }
            Now = end;
        }

        /// <summary>The next thing due before <paramref name="end"/>: a frame arriving or a timer firing.</summary>
        private bool Step(TimeSpan end)
        {
            var frame = wire.Count == 0 ? ((TimeSpan Due, End To, byte[] Frame)?)null : wire.MinBy(w => w.Due);
            var timer = new[] { A.NextTimer(), B.NextTimer() }.Where(t => t is not null).MinBy(t => t!.Value.Due);
            if (frame is { } f && (timer is null || f.Due <= timer.Value.Due) && f.Due <= end)
            {
                wire.Remove(f);
                Now = f.Due;
                f.To.Driver.Session.ReceiveDatagram(f.Frame);
                return true;
            }
            if (timer is { } t && t.Due <= end)
            {
                Now = t.Due;
                t.Fire();
                return true;
            }
            return false;
        }

        public sealed class End : ISessionPort, ISessionOwner
        {
            private readonly DriverPair pair;
            private readonly Dictionary<SessionTimer, TimeSpan> timers = [];
            private TimeSpan? keepaliveDue;

            public End(DriverPair pair, SessionSettings settings, KeepaliveOptions? keepalive, KeepaliveFailure onFailure)
            {
                this.pair = pair;
                Driver = new SessionDriver(settings, keepalive, onFailure, this, this);
            }

            public End Peer { get; set; } = null!;

            public SessionDriver Driver { get; }

            public TimeSpan? KeepalivePeriod { get; private set; }

            public List<SessionEvent> Events { get; } = [];

            public List<PppProtocol> Packets { get; } = [];

            public List<byte[]> Sent { get; } = [];

            public TimeSpan Now => pair.Now;

            public void Send(ReadOnlySpan<byte> frame)
            {
                Sent.Add(frame.ToArray());
                pair.Send(this, frame.ToArray());
            }

            public void StartTimer(SessionTimer timer, TimeSpan interval) => timers[timer] = pair.Now + interval;

            public void StopTimer(SessionTimer timer) => timers.Remove(timer);

            public void SetKeepaliveTimer(TimeSpan? period)
            {
                KeepalivePeriod = period;
                keepaliveDue = period is { } p ? pair.Now + p : null;
            }

            public void OnEvent(SessionEvent sessionEvent) => Events.Add(sessionEvent);

            public void OnPacket(PppProtocol protocol, ReadOnlySpan<byte> information) => Packets.Add(protocol);

            public (TimeSpan Due, Action Fire)? NextTimer()
            {
                (TimeSpan Due, Action Fire)? next = null;
                foreach (var (timer, due) in timers)
                {
                    if (next is null || due < next.Value.Due)
                        next = (due, () => { timers.Remove(timer); Driver.TimerExpired(timer); });
                }
                if (keepaliveDue is { } k && (next is null || k < next.Value.Due))
                    next = (k, () => { keepaliveDue = k + KeepalivePeriod!.Value; Driver.KeepaliveTick(); });
                return next;
            }
        }
    }
}
