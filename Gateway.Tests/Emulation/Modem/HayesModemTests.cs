using System.Text;
using Gateway.Emulation.Modem;

namespace Gateway.Tests.Emulation.Modem;

/// <summary>Drives the pure modem core on a virtual clock.</summary>
internal sealed class ModemHarness
{
    public readonly HayesModem Modem;
    public readonly ModemDirectory Directory = new();
    public TimeSpan Now;
    private readonly List<byte> dte = [];
    public readonly List<byte> Line = [];
    public readonly List<ModemEvent> Events = [];
    private TimeSpan? deadline;

    public ModemHarness(ModemOptions? options = null, int seed = 1) =>
        Modem = new HayesModem(options ?? new ModemOptions(), Directory, new Random(seed));

    public void Apply(ModemStep step)
    {
        dte.AddRange(step.ToDte.ToArray());
        Line.AddRange(step.ToLine.ToArray());
        Events.AddRange(step.Events);
        deadline = step.NextDeadline;
    }

    public ModemHarness Type(string text)
    {
        Apply(Modem.FromDte(Encoding.Latin1.GetBytes(text), Now));
        return this;
    }

    public void Remote(byte[] bytes) => Apply(Modem.FromLine(bytes, Now));

    /// <summary>Moves the clock, firing every timer the modem asked for on the way.</summary>
    public ModemHarness Advance(TimeSpan by)
    {
        var until = Now + by;
        while (deadline is { } d && d <= until)
        {
            Now = d > Now ? d : Now;
            Apply(Modem.Tick(Now));
            if (deadline == d)
                break;
        }
        Now = until;
        Apply(Modem.Tick(Now));
        return this;
    }

    public ModemHarness Settle() => Advance(TimeSpan.FromSeconds(0.1));

    public string TakeDte()
    {
        var s = Encoding.Latin1.GetString(dte.ToArray());
        dte.Clear();
        return s;
    }

    public int DteCount => dte.Count;
}

public class HayesModemTests
{
    private static TimeSpan S(double s) => TimeSpan.FromSeconds(s);

    private static ModemHarness Connected(NumberBehaviour? behaviour = null, ModemOptions? options = null)
    {
        var h = new ModemHarness(options);
        h.Directory.Set("1234567", behaviour ?? NumberBehaviour.Answer);
        h.Type("ATE0\r").Settle().TakeDte();
        h.Type("ATDT1234567\r").Advance(S(2.1));
        Assert.Equal($"\r\nCONNECT {(behaviour?.ConnectSpeed ?? 115200)}\r\n", h.TakeDte());
        return h;
    }

    [Fact]
    public void At_answers_ok_with_echo_on_by_default()
    {
        var h = new ModemHarness();
        Assert.Equal("AT\r\r\nOK\r\n", h.Type("AT\r").Settle().TakeDte());
        Assert.Equal("at\r\r\nOK\r\n", h.Type("at\r").Settle().TakeDte());
    }

    [Fact]
    public void Ate0_stops_the_echo_and_ate1_restores_it()
    {
        var h = new ModemHarness();
        Assert.Equal("ATE0\r\r\nOK\r\n", h.Type("ATE0\r").Settle().TakeDte());
        Assert.Equal("\r\nOK\r\n", h.Type("AT\r").Settle().TakeDte());
        Assert.Equal("\r\nOK\r\n", h.Type("ATE1\r").Settle().TakeDte());
        Assert.Equal("AT\r\r\nOK\r\n", h.Type("AT\r").Settle().TakeDte());
    }

    [Fact]
    public void Atv0_gives_numeric_result_codes()
    {
        var h = new ModemHarness();
        h.Directory.Set("555", NumberBehaviour.Busy);
        h.Type("ATE0V0\r").Settle();
        Assert.Equal("ATE0V0\r0\r", h.TakeDte()); // echoed before E0 takes effect
        h.Type("ATFOO\r").Settle();
        Assert.Equal("4\r", h.TakeDte());
        h.Type("ATDT555\r").Advance(S(3));
        Assert.Equal("7\r", h.TakeDte());
        h.Type("ATV1\r").Settle();
        Assert.Equal("\r\nOK\r\n", h.TakeDte());
    }

    [Fact]
    public void S_registers_are_set_and_read()
    {
        var h = new ModemHarness();
        h.Type("ATE0\r").Settle().TakeDte();
        Assert.Equal("\r\n050\r\n\r\nOK\r\n", h.Type("ATS12?\r").Settle().TakeDte());
        Assert.Equal("\r\nOK\r\n", h.Type("ATS7=30 S12=25\r").Settle().TakeDte());
        Assert.Equal("\r\n030\r\n\r\n025\r\n\r\nOK\r\n", h.Type("ATS7?S12?\r").Settle().TakeDte());
        Assert.Equal("\r\nERROR\r\n", h.Type("ATS7=256\r").Settle().TakeDte());
        Assert.Equal("\r\nERROR\r\n", h.Type("ATS300=1\r").Settle().TakeDte());
        Assert.Equal("\r\nOK\r\n", h.Type("ATZ\r").Settle().TakeDte());
        Assert.Equal(50, h.Modem.Register(HayesModem.SWaitForCarrier));
    }

    [Fact]
    public void Dialing_a_busy_number_gives_busy_and_stays_in_command_mode()
    {
        var h = new ModemHarness();
        h.Directory.Set("2345678", NumberBehaviour.Busy with { Delay = S(4) });
        h.Type("ATE0\r").Settle().TakeDte();
        h.Type("ATDT2345678\r").Advance(S(3.9));
        Assert.Equal("", h.TakeDte());
        Assert.Equal(ModemMode.Dialing, h.Modem.Mode);
        h.Advance(S(0.2));
        Assert.Equal("\r\nBUSY\r\n", h.TakeDte());
        Assert.Equal(ModemMode.Command, h.Modem.Mode);
        Assert.Equal([new ModemEvent(ModemEventKind.Dialing, "2345678")], h.Events);
    }

    [Fact]
    public void Unanswered_number_gives_no_carrier_after_s7()
    {
        var h = new ModemHarness();
        h.Type("ATE0S7=10\r").Settle().TakeDte();
        h.Type("ATDP999\r").Advance(S(9.9));
        Assert.Equal("", h.TakeDte());
        h.Advance(S(0.2));
        Assert.Equal("\r\nNO CARRIER\r\n", h.TakeDte());
    }

    [Fact]
    public void No_dial_tone_when_the_line_is_unplugged()
    {
        var h = new ModemHarness(new ModemOptions { DialTone = false });
        h.Type("ATE0\r").Settle().TakeDte();
        h.Type("ATDT1\r").Advance(S(3));
        Assert.Equal("\r\nNO DIALTONE\r\n", h.TakeDte());
    }

    [Fact]
    public void Answered_number_connects_and_data_flows_both_ways()
    {
        var h = Connected();
        Assert.Contains(new ModemEvent(ModemEventKind.Connected, "1234567", 115200), h.Events);
        Assert.True(h.Modem.CarrierDetect);
        h.Type("\x7e\xff\x03hello\x7e");
        h.Settle();
        Assert.Equal(Encoding.Latin1.GetBytes("\x7e\xff\x03hello\x7e"), h.Line.ToArray());
        h.Remote(Encoding.Latin1.GetBytes("from-isp"));
        h.Settle();
        Assert.Equal("from-isp", h.TakeDte());
    }

    [Fact]
    public void Escape_with_guard_time_enters_command_mode_and_ato_returns_online()
    {
        var h = Connected();
        h.Type("data").Advance(S(1.1));
        h.Type("+");
        h.Advance(S(0.1));
        h.Type("+");
        h.Advance(S(0.1));
        h.Type("+");
        h.Advance(S(0.9));
        Assert.Equal(ModemMode.Online, h.Modem.Mode);
        h.Advance(S(0.2));
        Assert.Equal("\r\nOK\r\n", h.TakeDte());
        Assert.Equal(ModemMode.OnlineCommand, h.Modem.Mode);
        Assert.True(h.Modem.CarrierDetect);

        h.Remote("dropped while in command mode"u8.ToArray());
        h.Settle();
        Assert.Equal("", h.TakeDte());

        h.Type("ATO\r").Settle();
        Assert.Equal("\r\nCONNECT 115200\r\n", h.TakeDte());
        Assert.Equal(ModemMode.Online, h.Modem.Mode);
    }

    [Fact]
    public void Plus_signs_without_the_guard_time_are_data()
    {
        var h = Connected();
        h.Type("x+++y");
        h.Advance(S(3));
        Assert.Equal(ModemMode.Online, h.Modem.Mode);
        Assert.Equal("x+++y", Encoding.Latin1.GetString(h.Line.ToArray()));
        Assert.Equal("", h.TakeDte());

        // guard time before, but data right after the third '+': still data
        h.Advance(S(2));
        h.Type("+++z");
        h.Advance(S(3));
        Assert.Equal(ModemMode.Online, h.Modem.Mode);
    }

    [Fact]
    public void Ath_hangs_up_from_online_command_mode()
    {
        var h = Connected();
        h.Advance(S(1.5)).Type("+++").Advance(S(1.5));
        Assert.Equal("\r\nOK\r\n", h.TakeDte());
        h.Type("ATH\r").Settle();
        Assert.Equal("\r\nOK\r\n", h.TakeDte());
        Assert.Equal(ModemMode.Command, h.Modem.Mode);
        Assert.Contains(h.Events, e => e.Kind == ModemEventKind.HungUp);
        h.Type("ATO\r").Settle();
        Assert.Equal("\r\nNO CARRIER\r\n", h.TakeDte());
    }

    [Fact]
    public void Carrier_drops_after_the_configured_time()
    {
        var h = Connected(NumberBehaviour.Answer with { DropCarrierAfter = S(30) });
        h.Advance(S(29.5)); // CONNECT came 0.1 s ago
        Assert.True(h.Modem.CarrierDetect);
        h.Advance(S(1));
        Assert.Equal("\r\nNO CARRIER\r\n", h.TakeDte());
        Assert.False(h.Modem.CarrierDetect);
        Assert.Contains(h.Events, e => e.Kind == ModemEventKind.CarrierLost);
    }

    [Fact]
    public void Remote_hang_up_gives_no_carrier()
    {
        var h = Connected();
        h.Apply(h.Modem.RemoteHungUp(h.Now));
        h.Settle();
        Assert.Equal("\r\nNO CARRIER\r\n", h.TakeDte());
    }

    [Fact]
    public void Unknown_commands_give_error_and_bytes_without_at_are_ignored()
    {
        var h = new ModemHarness();
        h.Type("ATE0\r").Settle().TakeDte();
        Assert.Equal("\r\nERROR\r\n", h.Type("AT!garbage\r").Settle().TakeDte());
        Assert.Equal("\r\nERROR\r\n", h.Type("ATE7\r").Settle().TakeDte());
        Assert.Equal("", h.Type("hello world\r\0\x7e\r").Settle().TakeDte());
        Assert.Equal("\r\nOK\r\n", h.Type("AT&FE0&C1&D2\r").Settle().TakeDte());
    }

    [Fact]
    public void A_megabyte_line_without_cr_is_bounded_and_answered_with_error()
    {
        var h = new ModemHarness();
        var big = new byte[1 << 20];
        Array.Fill(big, (byte)'x');
        h.Apply(h.Modem.FromDte("AT"u8, h.Now));
        h.Apply(h.Modem.FromDte(big, h.Now));
        h.Apply(h.Modem.FromDte("\r"u8, h.Now));
        h.Advance(S(20));
        var output = h.TakeDte();
        Assert.True(output.Length <= new ModemOptions().QueueCapacity, $"{output.Length} bytes queued");
        Assert.True(h.Modem.Overruns.ToDte > 0);
        h.Type("ATE0\r").Settle();
        Assert.EndsWith("\r\nOK\r\n", h.TakeDte());
    }

    [Fact]
    public void A_keypress_while_dialing_aborts_the_call()
    {
        var h = new ModemHarness();
        h.Directory.Set("1", NumberBehaviour.Answer with { Delay = S(10) });
        h.Type("ATE0\r").Settle().TakeDte();
        h.Type("ATD1\r").Advance(S(1));
        h.Type(" ").Settle();
        Assert.Equal("\r\nNO CARRIER\r\n", h.TakeDte());
        h.Advance(S(20));
        Assert.False(h.Modem.CarrierDetect);
    }

    [Fact]
    public void Repeat_last_command_with_a_slash()
    {
        var h = new ModemHarness();
        h.Type("ATE0\r").Settle().TakeDte();
        h.Type("ATS7?\r").Settle().TakeDte();
        Assert.Equal("\r\n050\r\n\r\nOK\r\n", h.Type("A/").Settle().TakeDte());
    }

    [Fact]
    public void Directory_sequence_busy_three_times_then_answer()
    {
        var h = new ModemHarness();
        h.Directory.Set("42", NumberBehaviour.Busy, NumberBehaviour.Busy, NumberBehaviour.Busy, NumberBehaviour.Answer);
        h.Type("ATE0\r").Settle().TakeDte();
        var results = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            h.Type("ATDT42\r").Advance(S(3));
            results.Add(h.TakeDte().Trim());
        }
        Assert.Equal(["BUSY", "BUSY", "BUSY", "CONNECT 115200"], results);
    }

    [Fact]
    public void Pacing_never_passes_more_than_11520_bytes_per_second_at_115200_baud()
    {
        var h = Connected();
        h.Remote(new byte[40_000]);
        h.Type(new string('d', 40_000));
        var perSecondDte = new List<int>();
        var perSecondLine = new List<int>();
        for (var second = 0; second < 3; second++)
        {
            var lineBefore = h.Line.Count;
            h.Advance(S(1));
            perSecondDte.Add(h.TakeDte().Length);
            perSecondLine.Add(h.Line.Count - lineBefore);
        }
        Assert.All(perSecondDte, n => Assert.InRange(n, 11_500, 11_521));
        Assert.All(perSecondLine, n => Assert.InRange(n, 11_500, 11_521));
    }

    [Fact]
    public void Pacing_follows_the_connect_speed()
    {
        var h = Connected(NumberBehaviour.Answer with { ConnectSpeed = 9600 });
        h.Remote(new byte[5000]);
        h.Advance(S(1));
        Assert.InRange(h.TakeDte().Length, 950, 961);
    }

    [Fact]
    public void Line_noise_flips_bits_at_the_configured_rate()
    {
        var h = Connected(NumberBehaviour.Answer with { BitErrorRate = 0.01 });
        var data = new byte[10_000];
        h.Remote(data);
        h.Advance(S(2));
        var received = Encoding.Latin1.GetBytes(h.TakeDte());
        var flipped = received.Sum(b => System.Numerics.BitOperations.PopCount(b));
        Assert.InRange(flipped, 600, 1000); // 80,000 bits at 1%: about 800
        Assert.Equal(flipped, h.Modem.NoiseBitsFlipped);
    }
}
