using System.Text;
using Gateway.Core.Config;
using Gateway.Core.Modem.Chat;
using Gateway.Core.Modem.Redial;

namespace Gateway.Tests.Modem.Redial;

public class RedialPolicyTests
{
    private static TimeSpan S(double s) => TimeSpan.FromSeconds(s);

    // set redial secs[+inc[-max]][.next] [attempts]
    private static RedialSpec Spec(double? secs, double inc = 0, int max = 10, double? next = 3, int attempts = 1) =>
        new(secs is null ? null : S(secs.Value), S(inc), max, next is null ? null : S(next.Value), attempts);

    private static RedialPolicy Policy(RedialSpec spec, string? phones = "1234567", ReconnectSpec? reconnect = null, bool ddial = false, int seed = 1) =>
        new(spec, reconnect ?? ReconnectSpec.Default, phones, new Random(seed), ddial);

    [Fact]
    public void Seed_redial_3_5_makes_five_attempts_three_seconds_apart_then_gives_up()
    {
        var policy = Policy(Spec(3, attempts: 5));
        var d = policy.Open();
        var decisions = new List<RedialDecision> { d };
        while (d.Action == RedialAction.Dial)
            decisions.Add(d = policy.AttemptFailed());

        Assert.Equal(6, decisions.Count);
        Assert.All(decisions.Take(5), x => Assert.Equal("1234567", x.PhoneNumber));
        Assert.Equal([S(0), S(3), S(3), S(3), S(3)], decisions.Take(5).Select(x => x.Delay));
        Assert.Equal([1, 2, 3, 4, 5], decisions.Take(5).Select(x => x.Attempt));
        Assert.Equal("dial attempt 2 of 5 (1234567) after 3 s", decisions[1].Reason);
        Assert.Equal(RedialAction.GiveUp, decisions[5].Action);
        Assert.Equal("gave up after 5 dial attempts", decisions[5].Reason);
        Assert.False(policy.IsOpen);
    }

    [Fact]
    public void Colon_numbers_are_dialed_in_turn_with_the_next_pause_and_the_full_pause_between_passes()
    {
        var policy = Policy(Spec(10, next: 2, attempts: 5), "111:222:333");
        var got = new List<(string?, TimeSpan)>();
        for (var d = policy.Open(); d.Action == RedialAction.Dial; d = policy.AttemptFailed())
            got.Add((d.PhoneNumber, d.Delay));
        Assert.Equal([("111", S(0)), ("222", S(2)), ("333", S(2)), ("111", S(10)), ("222", S(2))], got);
    }

    [Fact]
    public void Pipe_alternatives_are_dialed_only_after_a_failure_and_skipped_after_a_success()
    {
        var policy = Policy(Spec(10, next: 2, attempts: 10), "111|222:333", new ReconnectSpec(S(5), 3));
        Assert.Equal("111", policy.Open().PhoneNumber);
        var d = policy.AttemptFailed();
        Assert.Equal(("222", S(2)), (d.PhoneNumber, d.Delay));
        policy.Connected();
        d = policy.LineDropped();
        Assert.Equal(("333", S(5)), (d.PhoneNumber, d.Delay));
        Assert.StartsWith("reconnect 1 of 3", d.Reason);
        d = policy.AttemptFailed(); // 333 was the last group: full pause, back to the start
        Assert.Equal(("111", S(10)), (d.PhoneNumber, d.Delay));
        policy.Connected();
        d = policy.LineDropped(); // success on 111 skips 222 and moves on to the next group
        Assert.Equal("333", d.PhoneNumber);
    }

    [Fact]
    public void Increment_is_added_per_full_pause_up_to_max_times()
    {
        var policy = Policy(Spec(5, inc: 10, max: 2, attempts: 6));
        var delays = new List<TimeSpan>();
        for (var d = policy.Open(); d.Action == RedialAction.Dial; d = policy.AttemptFailed())
            delays.Add(d.Delay);
        Assert.Equal([S(0), S(5), S(15), S(25), S(25), S(25)], delays);
    }

    [Fact]
    public void Random_pauses_are_between_1_and_30_seconds()
    {
        var policy = Policy(Spec(null, next: null, attempts: 1000), "1:2");
        var delays = new List<TimeSpan>();
        for (var d = policy.Open(); d.Action == RedialAction.Dial; d = policy.AttemptFailed())
            delays.Add(d.Delay);
        Assert.Equal(1000, delays.Count);
        Assert.All(delays.Skip(1), x => Assert.InRange(x, S(1), S(30)));
        Assert.Contains(S(1), delays);
        Assert.Contains(S(30), delays);
        Assert.All(delays.Skip(1), x => Assert.Equal(0, x.Ticks % TimeSpan.TicksPerSecond));
    }

    [Fact]
    public void Random_pause_is_reproducible_from_the_injected_source()
    {
        var a = Policy(Spec(null, attempts: 3), seed: 42);
        var b = Policy(Spec(null, attempts: 3), seed: 42);
        a.Open(); b.Open();
        Assert.Equal(a.AttemptFailed().Delay, b.AttemptFailed().Delay);
    }

    [Fact]
    public void Reconnect_tries_count_from_the_open_and_then_the_link_gives_up()
    {
        var policy = Policy(Spec(3, attempts: 5), reconnect: new ReconnectSpec(S(7), 2));
        policy.Open();
        policy.Connected();
        Assert.Equal(S(7), policy.LineDropped().Delay);
        policy.Connected();
        var d = policy.LineDropped();
        Assert.Equal((RedialAction.Dial, "reconnect 2 of 2: dial attempt 1 of 5 (1234567) after 7 s"), (d.Action, d.Reason));
        policy.Connected();
        d = policy.LineDropped();
        Assert.Equal(RedialAction.GiveUp, d.Action);
        Assert.Contains("no reconnect tries left", d.Reason);
    }

    [Fact]
    public void Without_set_reconnect_a_dropped_line_is_not_redialed()
    {
        var policy = Policy(Spec(3, attempts: 5));
        policy.Open();
        policy.Connected();
        Assert.Equal(RedialAction.GiveUp, policy.LineDropped().Action);
    }

    [Fact]
    public void Reconnect_gives_a_fresh_set_of_dial_attempts()
    {
        var policy = Policy(Spec(3, attempts: 2), reconnect: new ReconnectSpec(S(1), 1));
        policy.Open();
        policy.AttemptFailed();
        policy.Connected();
        Assert.Equal(1, policy.LineDropped().Attempt);
        Assert.Equal(2, policy.AttemptFailed().Attempt);
        Assert.Equal(RedialAction.GiveUp, policy.AttemptFailed().Action);
    }

    [Fact]
    public void Zero_attempts_is_one_attempt_as_in_ppp_but_ddial_never_gives_up()
    {
        var policy = Policy(Spec(3, attempts: 0));
        policy.Open();
        Assert.Equal(RedialAction.GiveUp, policy.AttemptFailed().Action);

        var ddial = Policy(Spec(3, attempts: 2), ddial: true);
        ddial.Open();
        for (var i = 0; i < 50; i++)
            Assert.Equal(RedialAction.Dial, ddial.AttemptFailed().Action);
        ddial.Connected();
        Assert.Equal(RedialAction.Dial, ddial.LineDropped().Action);
    }

    [Fact]
    public void Zero_pause_is_one_timer_tick_and_empty_phone_list_dials_with_no_number()
    {
        var policy = Policy(Spec(0, attempts: 2), phones: null);
        Assert.Equal("", policy.Open().PhoneNumber);
        Assert.Equal(RedialPolicy.TimerTick, policy.AttemptFailed().Delay);
    }

    [Fact]
    public void Busy_three_times_then_connect_on_the_fourth_attempt_with_the_seed_spacing()
    {
        // The seed: set redial 3 5 and its dial script, a modem that answers BUSY 5 s after ATDT
        // three times and then CONNECT; on a virtual clock.
        const string dial = "ABORT BUSY ABORT NO\\sCARRIER ABORT NO\\sDIAL\\sTONE TIMEOUT 4 \"\" ATZ OK-ATZ-OK ATDT\\T TIMEOUT 60 CONNECT \\c \\n";
        var policy = Policy(Spec(3, attempts: 5));
        var now = S(0);
        var dialedAt = new List<TimeSpan>();
        var outcomes = new List<string>();
        var decision = policy.Open();
        for (var attempt = 1; decision.Action == RedialAction.Dial; attempt++)
        {
            now += decision.Delay;
            dialedAt.Add(now);
            var chat = new ChatEngine(ChatScript.Parse(dial), new ChatContext(decision.PhoneNumber, "isp1name", "isp1key"));
            var step = chat.Start(now);
            Assert.Equal("ATZ\r", Encoding.ASCII.GetString(step.Writes[0].Span));
            now += S(0.1);
            step = chat.Received("OK\r\n"u8, now);
            Assert.Equal("ATDT1234567\r", Encoding.ASCII.GetString(step.Writes[0].Span));
            now += S(5);
            step = chat.Received(attempt <= 3 ? "\r\nBUSY\r\n"u8 : "\r\nCONNECT 115200\r\n"u8, now);
            outcomes.Add(step.Result!.Describe());
            if (step.Result is ChatSucceeded)
            {
                policy.Connected();
                break;
            }
            decision = policy.AttemptFailed();
        }

        Assert.Equal(["aborted on BUSY after 5.1 s", "aborted on BUSY after 5.1 s", "aborted on BUSY after 5.1 s", "succeeded after 5.1 s"], outcomes);
        Assert.Equal([S(0), S(8.1), S(16.2), S(24.3)], dialedAt);
        Assert.True(policy.IsConnected);
    }
}
