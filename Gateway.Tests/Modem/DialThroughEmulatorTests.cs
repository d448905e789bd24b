using Gateway.Core.Config;
using Gateway.Core.Modem.Chat;
using Gateway.Core.Modem.Redial;
using Gateway.Emulation.Modem;

namespace Gateway.Tests.Modem;

/// <summary>The chat engine and redial policy against the emulator core, all on one virtual clock.</summary>
public class DialThroughEmulatorTests
{
    private const string SeedDial = "ABORT BUSY ABORT NO\\sCARRIER ABORT NO\\sDIAL\\sTONE TIMEOUT 4 \"\" ATZ OK-ATZ-OK ATDT\\T TIMEOUT 60 CONNECT \\c \\n";

    private static TimeSpan S(double s) => TimeSpan.FromSeconds(s);

    /// <summary>Runs one chat script against the modem until it ends; returns the result.</summary>
    private static ChatResult RunChat(HayesModem modem, ChatEngine chat, ref TimeSpan now)
    {
        var step = chat.Start(now);
        TimeSpan? modemDeadline = null;
        for (var guard = 0; guard < 100_000; guard++)
        {
            var toChat = new List<byte>();
            foreach (var w in step.Writes)
            {
                var m = modem.FromDte(w.Span, now);
                modemDeadline = m.NextDeadline;
                toChat.AddRange(m.ToDte.ToArray());
            }
            if (step.Result is { } r)
                return r;
            if (toChat.Count > 0)
            {
                step = chat.Received(toChat.ToArray(), now);
                continue;
            }
            var next = new[] { step.TimerDeadline, modemDeadline }.Where(t => t is not null).Min()
                ?? throw new InvalidOperationException("stalled");
            now = next > now ? next : now;
            var tick = modem.Tick(now);
            modemDeadline = tick.NextDeadline;
            step = tick.ToDte.IsEmpty ? chat.TimerExpired(now) : chat.Received(tick.ToDte.Span, now);
        }
        throw new InvalidOperationException("no result");
    }

    [Fact]
    public void Seed_dial_script_redials_busy_number_three_times_and_connects_on_the_fourth()
    {
        var directory = new ModemDirectory().Set("1234567",
            NumberBehaviour.Busy, NumberBehaviour.Busy, NumberBehaviour.Busy, NumberBehaviour.Answer);
        var modem = new HayesModem(new ModemOptions(), directory, new Random(1));
        var policy = new RedialPolicy(new RedialSpec(S(3), TimeSpan.Zero, 10, S(3), 5), ReconnectSpec.Default, "1234567", new Random(1));

        var now = TimeSpan.Zero;
        var log = new List<(TimeSpan DialedAt, string Result)>();
        for (var d = policy.Open(); d.Action == RedialAction.Dial; d = policy.AttemptFailed())
        {
            now += d.Delay;
            var dialedAt = now;
            var chat = new ChatEngine(ChatScript.Parse(SeedDial), new ChatContext(d.PhoneNumber, "isp1name", "isp1key"));
            var result = RunChat(modem, chat, ref now);
            log.Add((dialedAt, result.Describe()));
            if (result is ChatSucceeded)
            {
                policy.Connected();
                break;
            }
        }

        Assert.True(log.Count == 4, string.Join("; ", log));
        Assert.All(log.Take(3), l => Assert.StartsWith("aborted on BUSY after 2", l.Result));
        Assert.StartsWith("succeeded after 2", log[3].Result);
        Assert.True(modem.CarrierDetect);
        Assert.Equal(4, directory.CallsTo("1234567"));
        // each failed attempt lasts ~2 s (the exchange's BUSY delay) plus 3 s of redial pause
        for (var i = 1; i < log.Count; i++)
            Assert.InRange((log[i].DialedAt - log[i - 1].DialedAt).TotalSeconds, 5.0, 5.1);
    }
}
