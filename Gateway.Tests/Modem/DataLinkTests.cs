using System.Net;
using System.Text;
using Gateway.Core.Config;
using Gateway.Core.Modem;
using Gateway.Core.Modem.Chat;
using Gateway.Core.Modem.Redial;
using Gateway.Core.Ppp.Ipcp;
using Gateway.Core.Ppp.Session;
using Gateway.Core.Status;
using static Gateway.Core.Modem.DataLinkAction;
using DataLinkEvent = Gateway.Core.Modem.DataLinkEvent;

namespace Gateway.Tests.Modem;

/// <summary>
/// FreeBSD's datalink, row by row in virtual time: every event the owner feeds in, the actions it gets back and the
/// phase it leaves the link in. No device, clock or thread: time is whatever the test says.
/// </summary>
public class DataLinkTests
{
    private const string Dial = "ABORT BUSY TIMEOUT 4 \"\" ATDT\\T CONNECT \\c";
    private static readonly IpcpNegotiated Addresses = new(IPAddress.Parse("10.0.1.2"), IPAddress.Parse("10.0.1.1"), null, null);

    private TimeSpan now = TimeSpan.FromSeconds(100);

    private static DataLink Link(RedialSpec? redial = null, ReconnectSpec? reconnect = null, string login = "") =>
        new(new DataLinkSettings("isp1", ChatScript.Parse(Dial), ChatScript.Parse(login),
            new RedialPolicy(redial ?? new RedialSpec(TimeSpan.FromSeconds(3), TimeSpan.Zero, 10, TimeSpan.FromSeconds(3), 5),
                reconnect ?? ReconnectSpec.Default, "1234567", new Random(1)),
            "isp1name", "isp1key"));

    private IReadOnlyList<DataLinkAction> Feed(DataLink link, DataLinkEvent e) => link.Handle(e, now);

    private static string Written(IEnumerable<DataLinkAction> actions) =>
        string.Concat(actions.OfType<Write>().Select(w => Encoding.ASCII.GetString(w.Bytes.Span)));

    private static IEnumerable<string> Phases(IEnumerable<DataLinkAction> actions) =>
        actions.OfType<Log>().Select(l => l.Message).Where(m => m.Contains("Phase:", StringComparison.Ordinal)).Select(m => m[(m.IndexOf("Phase: ", StringComparison.Ordinal) + 7)..]);

    /// <summary>Dial, open the device, and answer the chat with CONNECT: the session starts.</summary>
    private DataLink Connected(DataLink? link = null)
    {
        link ??= Link();
        Feed(link, new DataLinkEvent.Dial());
        Feed(link, new DataLinkEvent.DeviceOpened("/dev/cuaa0"));
        var actions = Feed(link, new DataLinkEvent.LineData("ATDT1234567\r\r\nCONNECT 115200\r\n"u8.ToArray()));
        Assert.Single(actions.OfType<StartSession>());
        return link;
    }

    private DataLink Up(DataLink? link = null)
    {
        link = Connected(link);
        Feed(link, Session(new PhaseChanged("isp1", LinkPhase.Establish, LinkPhase.Authenticate)));
        Feed(link, Session(new PhaseChanged("isp1", LinkPhase.Authenticate, LinkPhase.Network)));
        var actions = Feed(link, Session(new NetworkUp("isp1", Addresses)));
        Assert.Equal(Addresses, Assert.Single(actions.OfType<Up>()).Addresses);
        return link;
    }

    private static DataLinkEvent.SessionChanged Session(SessionEvent e) => new(e);

    [Fact]
    public void A_dial_opens_the_device_then_runs_the_dial_script_with_the_phone_number()
    {
        var link = Link();

        var opening = Feed(link, new DataLinkEvent.Dial());
        Assert.Equal(DataLinkPhase.Opening, link.Phase);
        Assert.Equal(IspLinkState.Opening, link.State);
        var attempt = Assert.Single(opening.OfType<DialAttempted>()).Decision;
        Assert.Equal((1, "1234567", TimeSpan.Zero), (attempt.Attempt, attempt.PhoneNumber, attempt.Delay));
        Assert.IsType<OpenDevice>(opening[^1]);

        var dialing = Feed(link, new DataLinkEvent.DeviceOpened("/dev/cuaa0"));
        Assert.Equal(DataLinkPhase.Dial, link.Phase);
        Assert.Equal("ATDT1234567\r", Written(dialing));
        Assert.Equal(TimeSpan.FromSeconds(4), dialing.OfType<SetChatTimer>().Last().After);
        Assert.Equal(["opening --> dial"], Phases(dialing));
        Assert.True(link.Chatting);
    }

    [Fact]
    public void Connect_without_a_login_script_goes_through_carrier_and_ready_to_lcp_and_starts_the_session_with_the_bytes_after_the_match()
    {
        var link = Link();
        Feed(link, new DataLinkEvent.Dial());
        Feed(link, new DataLinkEvent.DeviceOpened("/dev/cuaa0"));

        var actions = Feed(link, new DataLinkEvent.LineData("\r\nCONNECT 115200\r\n~\xff"u8.ToArray()));

        Assert.Equal(["dial --> carrier", "carrier --> ready", "ready --> lcp"], Phases(actions));
        Assert.Equal([IspLinkState.Lcp], actions.OfType<StateChanged>().Select(c => c.State));
        Assert.Equal(DataLinkPhase.Lcp, link.Phase);
        Assert.False(link.Chatting);
        Assert.Null(actions.OfType<SetChatTimer>().Last().After);
        Assert.False(Assert.Single(actions.OfType<StartSession>()).Leftover.IsEmpty);
    }

    [Fact]
    public void A_login_script_runs_in_the_login_phase_with_the_authname_and_authkey()
    {
        var link = Link(login: "ogin: \\U word: \\P");
        Feed(link, new DataLinkEvent.Dial());
        Feed(link, new DataLinkEvent.DeviceOpened("/dev/cuaa0"));

        var connected = Feed(link, new DataLinkEvent.LineData("\r\nCONNECT\r\n"u8.ToArray()));
        Assert.Equal(["dial --> carrier", "carrier --> login"], Phases(connected));
        Assert.Equal(IspLinkState.Login, link.State);
        Assert.Equal("isp1name\r", Written(Feed(link, new DataLinkEvent.LineData("login: "u8.ToArray()))));
        var done = Feed(link, new DataLinkEvent.LineData("password: "u8.ToArray()));

        Assert.Equal("isp1key\r", Written(done));
        Assert.Equal(["login --> ready", "ready --> lcp"], Phases(done));
        Assert.Single(done.OfType<StartSession>());
    }

    [Fact]
    public void The_session_phases_map_to_auth_and_open_and_ipcp_up_announces_the_link()
    {
        var link = Connected();

        Feed(link, Session(new PhaseChanged("isp1", LinkPhase.Establish, LinkPhase.Authenticate)));
        Assert.Equal((DataLinkPhase.Auth, IspLinkState.Authenticating), (link.Phase, link.State));
        Feed(link, Session(new PhaseChanged("isp1", LinkPhase.Authenticate, LinkPhase.Network)));
        Assert.Equal((DataLinkPhase.Open, IspLinkState.Ipcp), (link.Phase, link.State));
        var actions = Feed(link, Session(new NetworkUp("isp1", Addresses)));

        Assert.Single(actions.OfType<Up>());
        Assert.Equal(IspLinkState.Up, link.State);
        Assert.True(link.AnnouncedUp);
        Assert.Equal(Addresses, link.Addresses);
    }

    [Fact]
    public void Busy_three_times_then_connect_redials_after_the_set_redial_pause_each_time_on_the_open_device()
    {
        var link = Link();
        var decisions = new List<RedialDecision>();
        decisions.AddRange(Feed(link, new DataLinkEvent.Dial()).OfType<DialAttempted>().Select(a => a.Decision));
        Feed(link, new DataLinkEvent.DeviceOpened("/dev/cuaa0"));
        for (int busy = 0; busy < 3; busy++)
        {
            var aborted = Feed(link, new DataLinkEvent.LineData("\r\nBUSY\r\n"u8.ToArray()));
            Assert.Single(aborted.OfType<HangUp>());
            Assert.Empty(aborted.OfType<StartSession>());
            var waiting = Feed(link, new DataLinkEvent.HangupDone());
            var timer = Assert.Single(waiting.OfType<StartRedialTimer>()).Decision;
            Assert.Equal(IspLinkState.RedialWait, link.State);
            now += timer.Delay;
            var redial = Feed(link, new DataLinkEvent.RedialDue(timer));
            decisions.AddRange(redial.OfType<DialAttempted>().Select(a => a.Decision));
            Assert.Empty(redial.OfType<OpenDevice>()); // the device stays open between attempts
            Assert.Equal("ATDT1234567\r", Written(redial));
        }
        Feed(link, new DataLinkEvent.LineData("\r\nCONNECT\r\n"u8.ToArray()));

        // set redial 3 5: the first dial at once, each redial after the 3 s pause
        Assert.Equal([1, 2, 3, 4], decisions.Select(d => d.Attempt));
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3)], decisions.Select(d => d.Delay));
        Assert.Equal(DataLinkPhase.Lcp, link.Phase);
        Assert.Equal(4, link.DialAttempts);
    }

    [Fact]
    public void Set_redial_gives_up_after_its_attempts_closes_the_device_and_says_why()
    {
        var link = Link(new RedialSpec(TimeSpan.FromSeconds(1), TimeSpan.Zero, 0, TimeSpan.FromSeconds(1), 2));
        Feed(link, new DataLinkEvent.Dial());
        Feed(link, new DataLinkEvent.DeviceOpened("/dev/cuaa0"));
        Feed(link, new DataLinkEvent.LineData("\r\nBUSY\r\n"u8.ToArray()));
        var timer = Feed(link, new DataLinkEvent.HangupDone()).OfType<StartRedialTimer>().Single().Decision;
        Feed(link, new DataLinkEvent.RedialDue(timer));
        Feed(link, new DataLinkEvent.LineData("\r\nBUSY\r\n"u8.ToArray()));

        var actions = Feed(link, new DataLinkEvent.HangupDone());

        var gaveUp = Assert.Single(actions.OfType<GaveUp>());
        Assert.Contains("gave up after 2 dial attempts", gaveUp.Reason);
        Assert.Single(actions.OfType<CloseDevice>());
        Assert.Equal(DataLinkPhase.Closed, link.Phase);
        Assert.Equal(gaveUp.Reason, link.LastReason);
    }

    [Fact]
    public void A_chat_timeout_hangs_up_and_the_redial_policy_decides()
    {
        var link = Link();
        Feed(link, new DataLinkEvent.Dial());
        Feed(link, new DataLinkEvent.DeviceOpened("/dev/cuaa0"));
        now += TimeSpan.FromSeconds(4);

        var actions = Feed(link, new DataLinkEvent.ChatTimerExpired());

        Assert.Single(actions.OfType<HangUp>());
        Assert.Equal(DataLinkPhase.Hangup, link.Phase);
        Assert.Single(Feed(link, new DataLinkEvent.HangupDone()).OfType<StartRedialTimer>());
    }

    [Fact]
    public void A_line_that_drops_while_up_announces_down_and_reconnects_while_set_reconnect_allows()
    {
        var link = Up(Link(reconnect: new ReconnectSpec(TimeSpan.FromSeconds(3), 1)));

        var down = Feed(link, Session(new LinkDown("isp1", "peer sent Terminate-Request")));
        Assert.Equal("peer sent Terminate-Request", Assert.Single(down.OfType<Down>()).Reason);
        Assert.Single(down.OfType<DropSession>());
        Assert.IsType<HangUp>(down[^1]);
        Assert.False(link.AnnouncedUp);

        var timer = Assert.Single(Feed(link, new DataLinkEvent.HangupDone()).OfType<StartRedialTimer>()).Decision;
        Assert.Equal(TimeSpan.FromSeconds(3), timer.Delay);
        Assert.Contains("reconnect", timer.Reason);
        var redial = Feed(link, new DataLinkEvent.RedialDue(timer));
        Assert.Equal("ATDT1234567\r", Written(redial));
    }

    [Fact]
    public void Without_reconnect_tries_a_dropped_line_gives_up()
    {
        var link = Up();
        Feed(link, Session(new LinkDown("isp1", "peer sent Terminate-Request")));

        var actions = Feed(link, new DataLinkEvent.HangupDone());

        Assert.Single(actions.OfType<GaveUp>());
        Assert.Equal(DataLinkPhase.Closed, link.Phase);
    }

    [Fact]
    public void Carrier_lost_while_up_drops_the_session_at_once_and_hangs_up()
    {
        var link = Up();

        var actions = Feed(link, new DataLinkEvent.LineLost("carrier lost (the modem said NO CARRIER)"));

        Assert.Equal("carrier lost (the modem said NO CARRIER)", Assert.Single(actions.OfType<Down>()).Reason);
        Assert.Equal("carrier lost (the modem said NO CARRIER)", Assert.Single(actions.OfType<DropSession>()).Reason);
        Assert.Single(actions.OfType<HangUp>());
        Assert.Contains(actions.OfType<Log>(), l => l.Warning);
        // The dropped session reports its end; the link has let it go already.
        Assert.Empty(Feed(link, Session(new LinkDown("isp1", "lower layer down"))));
    }

    [Fact]
    public void A_keepalive_failure_gives_the_reason_the_link_goes_down_with()
    {
        var link = Up();

        Feed(link, Session(new KeepaliveFailed("isp1", "LCP echo: no reply to 3 echo requests")));
        var actions = Feed(link, Session(new LinkDown("isp1", "LCP echo: no reply to 3 echo requests")));

        Assert.Equal("LCP echo: no reply to 3 echo requests", Assert.Single(actions.OfType<Down>()).Reason);
        Assert.Single(actions.OfType<HangUp>());
    }

    [Fact]
    public void Close_says_goodbye_with_lcp_terminate_then_hangs_up_and_stays_down()
    {
        var link = Up();

        var closing = Feed(link, new DataLinkEvent.Close(Graceful: true));
        Assert.Equal("close command", Assert.Single(closing.OfType<CloseSession>()).Reason);
        Assert.Empty(closing.OfType<HangUp>());

        var down = Feed(link, Session(new LinkDown("isp1", "Terminate-Ack received")));
        Assert.Single(down.OfType<Down>());
        Assert.Single(down.OfType<HangUp>());
        var closed = Feed(link, new DataLinkEvent.HangupDone());
        Assert.Single(closed.OfType<CloseDevice>());
        Assert.Empty(closed.OfType<StartRedialTimer>());
        Assert.Equal((DataLinkPhase.Closed, "close command"), (link.Phase, link.LastReason));
    }

    /// <summary>FreeBSD's <c>down</c> is datalink_Down(CLOSE_STAYDOWN): the line drops at once and stays down.</summary>
    [Fact]
    public void Down_drops_the_line_at_once_without_a_terminate_and_stays_down()
    {
        var link = Up(Link(reconnect: new ReconnectSpec(TimeSpan.FromSeconds(3), 5)));

        var actions = Feed(link, new DataLinkEvent.Close(Graceful: false));

        Assert.Empty(actions.OfType<CloseSession>());
        Assert.Equal("down command", Assert.Single(actions.OfType<DropSession>()).Reason);
        Assert.Equal("down command", Assert.Single(actions.OfType<Down>()).Reason);
        var closed = Feed(link, new DataLinkEvent.HangupDone());
        Assert.Empty(closed.OfType<StartRedialTimer>());
        Assert.Equal(DataLinkPhase.Closed, link.Phase);
    }

    [Fact]
    public void A_dial_during_a_close_dials_again_once_the_line_is_down()
    {
        var link = Up();
        Feed(link, new DataLinkEvent.Close(Graceful: false));

        Assert.Empty(Feed(link, new DataLinkEvent.Dial()));
        var actions = Feed(link, new DataLinkEvent.HangupDone());

        Assert.Single(actions.OfType<CloseDevice>());
        Assert.Single(actions.OfType<DialAttempted>());
        Assert.IsType<OpenDevice>(actions[^1]);
        Assert.Equal(DataLinkPhase.Opening, link.Phase);
    }

    [Fact]
    public void Close_while_waiting_to_redial_cancels_the_timer_and_closes_the_device()
    {
        var link = Link();
        Feed(link, new DataLinkEvent.Dial());
        Feed(link, new DataLinkEvent.DeviceOpened("/dev/cuaa0"));
        Feed(link, new DataLinkEvent.LineData("\r\nBUSY\r\n"u8.ToArray()));
        var timer = Feed(link, new DataLinkEvent.HangupDone()).OfType<StartRedialTimer>().Single().Decision;

        var actions = Feed(link, new DataLinkEvent.Close(Graceful: true));

        Assert.Single(actions.OfType<CancelRedialTimer>());
        Assert.Single(actions.OfType<CloseDevice>());
        Assert.Equal(DataLinkPhase.Closed, link.Phase);
        Assert.Empty(Feed(link, new DataLinkEvent.RedialDue(timer))); // a timer that fired anyway is ignored
    }

    [Fact]
    public void A_device_failure_while_up_announces_down_and_shows_failed_for_the_supervisor()
    {
        var link = Up();

        var actions = link.DeviceFailed("device /dev/cuaa0 failed: end of stream");

        Assert.Single(actions.OfType<Down>());
        Assert.Single(actions.OfType<DropSession>());
        Assert.Single(actions.OfType<CloseDevice>());
        Assert.Equal(IspLinkState.Failed, link.State);
    }

    [Fact]
    public void Dial_while_open_and_stray_events_change_nothing()
    {
        var link = Up();

        Assert.Empty(Feed(link, new DataLinkEvent.Dial()));
        Assert.Empty(Feed(link, new DataLinkEvent.HangupDone()));
        Assert.Empty(Feed(link, new DataLinkEvent.ChatTimerExpired()));
        Assert.Empty(Feed(link, new DataLinkEvent.LineData("OK\r\n"u8.ToArray())));
        Assert.Equal(IspLinkState.Up, link.State);
    }
}
