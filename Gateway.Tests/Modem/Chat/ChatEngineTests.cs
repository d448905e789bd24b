using System.Text;
using CsCheck;
using Gateway.Core.Modem.Chat;

namespace Gateway.Tests.Modem.Chat;

public class ChatEngineTests
{
    // The seed's dial script after ppp.conf's own quoting level is removed.
    private const string SeedDial = "ABORT BUSY ABORT NO\\sCARRIER ABORT NO\\sDIAL\\sTONE TIMEOUT 4 \"\" ATZ OK-ATZ-OK ATDT\\T TIMEOUT 60 CONNECT \\c \\n";

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);
    private static byte[] B(string s) => Encoding.Latin1.GetBytes(s);
    private static string Text(ChatStep step) => string.Concat(step.Writes.Select(w => Encoding.ASCII.GetString(w.Span)));

    private static ChatEngine Engine(string script, string? phone = "1234567", string? name = "isp1name", string? key = "isp1key") =>
        new(ChatScript.Parse(script), new ChatContext(phone, name, key));

    [Fact]
    public void Script_words_split_like_ppp_MakeArgs()
    {
        var s = ChatScript.Parse(SeedDial);
        Assert.Equal(
            ["ABORT", "BUSY", "ABORT", "NO\\sCARRIER", "ABORT", "NO\\sDIAL\\sTONE", "TIMEOUT", "4", "", "ATZ", "OK-ATZ-OK", "ATDT\\T", "TIMEOUT", "60", "CONNECT", "\\c", "\\n"],
            s.Words);
        Assert.Equal(["a b", "c\\ d", "#x"], ChatScript.Parse("\"a b\" c\\ d #x").Words);
        Assert.False(ChatScript.TryParse("ATZ \"OK", out _, out var error));
        Assert.Contains("quote", error);
    }

    [Fact]
    public void Seed_dial_script_succeeds_and_hands_over_bytes_after_the_final_newline()
    {
        var chat = Engine(SeedDial);
        var step = chat.Start(S(0));
        Assert.Equal("ATZ\r", Text(step));
        Assert.Equal(S(4), step.TimerDeadline);

        step = chat.Received(B("ATZ\r\r\nOK\r\n"), S(0.1));
        Assert.Equal("ATDT1234567\r", Text(step));
        Assert.Equal(S(60.1), step.TimerDeadline);

        step = chat.Received(B("ATDT1234567\r\r\nCONN"), S(1));
        Assert.Null(step.Result);
        step = chat.Received(B("ECT 115200\r\n\x7e\xff\x7d\x23"), S(20));
        var ok = Assert.IsType<ChatSucceeded>(step.Result);
        Assert.Equal(S(20), ok.Elapsed);
        Assert.Equal(new byte[] { 0x7e, 0xff, 0x7d, 0x23 }, ok.Leftover.ToArray());
        Assert.Null(step.TimerDeadline);
    }

    [Fact]
    public void Abort_string_ends_the_script_with_its_name_and_elapsed_time()
    {
        var chat = Engine(SeedDial);
        chat.Start(S(100));
        chat.Received(B("OK\r\n"), S(100.5));
        var step = chat.Received(B("\r\nNO CARRIER\r\n"), S(112));
        var aborted = Assert.IsType<ChatAborted>(step.Result);
        Assert.Equal("NO CARRIER", aborted.AbortString);
        Assert.Equal("aborted on NO CARRIER after 12 s", aborted.Describe());
        Assert.Contains("Received: NO CARRIER", step.Log);
    }

    [Fact]
    public void Expect_send_expect_sends_the_middle_part_only_after_a_timeout()
    {
        var chat = Engine(SeedDial);
        chat.Start(S(0));
        var step = chat.TimerExpired(S(3.9));
        Assert.Empty(step.Writes);
        step = chat.TimerExpired(S(4));
        Assert.Equal("ATZ\r", Text(step));
        Assert.Contains("Expect timeout", step.Log);
        Assert.Equal(S(8), step.TimerDeadline);
        step = chat.TimerExpired(S(8));
        var timedOut = Assert.IsType<ChatTimedOut>(step.Result);
        Assert.Equal("timed out waiting for OK after 8 s", timedOut.Describe());
    }

    [Fact]
    public void Matched_first_sub_expect_skips_the_rest_of_the_word()
    {
        var chat = Engine("\"\" ATZ OK-ATZ-OK ATDT");
        chat.Start(S(0));
        var step = chat.Received(B("OK\r\n"), S(1));
        Assert.Equal("ATDT\r", Text(step));
        Assert.IsType<ChatSucceeded>(step.Result);
    }

    [Fact]
    public void Connect_timeout_names_what_it_waited_for()
    {
        var chat = Engine(SeedDial);
        chat.Start(S(0));
        chat.Received(B("OK\r\n"), S(1));
        var step = chat.TimerExpired(S(61));
        Assert.Equal("timed out waiting for CONNECT after 61 s", Assert.IsType<ChatTimedOut>(step.Result).Describe());
    }

    [Fact]
    public void Default_timeout_is_30_seconds_and_zero_means_30()
    {
        Assert.Equal(S(30), Engine("OK").Start(S(0)).TimerDeadline);
        Assert.Equal(S(30), Engine("TIMEOUT 0 OK").Start(S(0)).TimerDeadline);
        Assert.Equal(S(7), Engine("TIMEOUT 7 OK").Start(S(0)).TimerDeadline);
    }

    [Fact]
    public void Connect_split_across_reads_and_byte_at_a_time_is_found()
    {
        var chat = Engine("CONNECT");
        chat.Start(S(0));
        ChatStep? last = null;
        foreach (var b in B("\0garbage\0CONN\0ECT CONNECT"))
            last = chat.Received(new[] { b }, S(1));
        Assert.IsType<ChatSucceeded>(last!.Result);
    }

    [Fact]
    public void Nul_inside_a_keyword_does_not_match()
    {
        var chat = Engine("CONNECT");
        chat.Start(S(0));
        Assert.Null(chat.Received(B("CONN\0ECT\r\n"), S(1)).Result);
    }

    [Fact]
    public void Echo_of_our_own_command_is_harmless()
    {
        var chat = Engine("\"\" AT OK");
        Assert.Equal("AT\r", Text(chat.Start(S(0))));
        Assert.IsType<ChatSucceeded>(chat.Received(B("AT\r\r\nOK\r\n"), S(0.2)).Result);
    }

    [Fact]
    public void Earliest_match_in_the_stream_wins_between_expect_and_abort()
    {
        var chat = Engine("ABORT BUSY CONNECT");
        chat.Start(S(0));
        Assert.IsType<ChatAborted>(chat.Received(B("BUSY\r\nCONNECT\r\n"), S(1)).Result);

        chat = Engine("ABORT BUSY CONNECT");
        chat.Start(S(0));
        Assert.IsType<ChatSucceeded>(chat.Received(B("CONNECT\r\nBUSY\r\n"), S(1)).Result);
    }

    [Fact]
    public void A_megabyte_without_line_ends_keeps_memory_bounded_and_still_matches_after()
    {
        var chat = Engine("ABORT BUSY CONNECT");
        chat.Start(S(0));
        var junk = new byte[1 << 20];
        Array.Fill(junk, (byte)'x');
        var before = GC.GetAllocatedBytesForCurrentThread();
        var step = chat.Received(junk, S(1));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Null(step.Result);
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes for 1 MB of input");
        Assert.IsType<ChatSucceeded>(chat.Received(B("CONNECT"), S(2)).Result);
    }

    [Fact]
    public void Escapes_expand_as_in_ppp()
    {
        var ctx = new ChatContext("555", "me", "s3cret");
        Assert.Equal(B("a b\t\n\r555me s3cret\\-x\x03\r"), ChatExpander.Expand("a\\sb\\t\\n\\r\\T\\U\\s\\P\\\\\\-x^C", appendCr: true, ctx).Bytes);
        Assert.Equal(B("ATDT555"), ChatExpander.Expand("ATDT\\T\\c", appendCr: true, ctx).Bytes);
        Assert.Equal(B("\r"), ChatExpander.Expand("", appendCr: true, ctx).Bytes);
        Assert.Empty(ChatExpander.Expand("\\c", appendCr: true, ctx).Bytes);
        var paused = ChatExpander.Expand("\\d\\pX\\p", appendCr: false, ctx);
        Assert.Equal(S(2.5), paused.Pause);
        Assert.Equal(B("X"), paused.Bytes);
    }

    [Fact]
    public void A_word_of_multi_octet_characters_expands_to_at_most_509_octets_cr_included()
    {
        // Found by the chat fuzz target (docs/RELIABILITY.md): a three-octet character that began at octet 507 went
        // in whole, and the CR after it made 511 octets, beyond ppp's 509.
        var word = ChatExpander.Expand(new string('x', 507) + "\uFFFD" + "y\\c", appendCr: true, ChatContext.None);
        Assert.Equal(B(new string('x', 507)), word.Bytes);

        word = ChatExpander.Expand(new string('x', 506) + "\u00E9" + "\uFFFD", appendCr: true, ChatContext.None);
        Assert.Equal([.. B(new string('x', 506)), 0xC3, 0xA9, (byte)'\r'], word.Bytes);

        // The fuzzer's input itself: a script of invalid UTF-8 (each invalid octet a three-octet U+FFFD) with \U and \K.
        var script = Encoding.UTF8.GetString(Convert.FromHexString(
            "5CFFFFF7FF5C55FF5C4E5338604B3F4B4B60424FF9F24299530B5C4B552D4BF9F9F9F9F9F9F9F8F9F9F9F9F9F9F9F9F9F9F9ECFA08F9"
            + "F9F9F9F9F9F9F9F9F9F9F9F9F9F9F9FFF9F9F9F9F9F9F9F9F9F9F9F9FFF9F9F9F9F9F9F9F9F903FAF9F94BF9F9F9F9F9F9F903FAF9F9"
            + "4BF9F9F9F9F9F9F9F9F9F9F9F9F9F9F9F9F9F9F9F9F9F9F9F9F9F9F9F9F9F9F94B4B2B4B3F4B530B404B542D4BEEF9F9F9F9F9F9F8F9"
            + "F9F9F9F9F9F9F9F9F9F9F9FFFFFF7FF9F9F9F9F9F9F9F93A3A3AF9F9F9F9F9F9F9F9F9F9F915FAF9F9F9F9F9353A3A3A3A3A3A"));
        Assert.True(ChatScript.TryParse(script, out var parsed, out _));
        var context = new ChatContext("5551234", "user", "secret");
        Assert.All(parsed.Words, w => Assert.InRange(ChatExpander.Expand(w, appendCr: true, context).Bytes.Length, 0, ChatExpander.MaxExpandedLength));
    }

    [Fact]
    public void Pause_is_taken_after_the_word_is_sent_and_holds_the_next_word()
    {
        var chat = Engine("\"\" \\dATZ OK AT");
        var step = chat.Start(S(0));
        Assert.Equal("ATZ\r", Text(step));
        Assert.Equal(S(2), step.TimerDeadline);
        step = chat.Received(B("OK\r\n"), S(0.5)); // held: not examined during the pause
        Assert.Empty(step.Writes);
        step = chat.TimerExpired(S(2));
        Assert.Equal("AT\r", Text(step));
        Assert.IsType<ChatSucceeded>(step.Result);
    }

    [Fact]
    public void Authkey_is_never_logged_but_is_sent()
    {
        var chat = Engine("ogin: \\U word: \\P");
        chat.Start(S(0));
        chat.Received(B("login: "), S(1));
        var step = chat.Received(B("isp1name\r\nPassword: "), S(2));
        Assert.Equal("isp1key\r", Text(step));
        Assert.DoesNotContain(step.Log, l => l.Contains("isp1key"));
        Assert.Contains(step.Log, l => l.Contains("Send: ********"));
        // the peer echoing the password back is masked too
        var echoed = Engine("ogin: \\P");
        echoed.Start(S(0));
        var echoLog = echoed.Received(B("isp1key\r\nlogin: "), S(1)).Log;
        Assert.Contains("Received: ********", echoLog);
        Assert.DoesNotContain("isp1key", new ChatContext("1", "n", "isp1key").ToString());
    }

    [Fact]
    public void Keywords_in_a_send_position_are_sent_literally_as_ppp_does()
    {
        var chat = Engine("\"\" TIMEOUT");
        Assert.Equal("TIMEOUT\r", Text(chat.Start(S(0))));
    }

    [Fact]
    public void Odd_number_of_minus_signs_is_a_literal_expect()
    {
        var chat = Engine("NO-CARRIER");
        var step = chat.Start(S(0));
        Assert.Contains(step.Log, l => l.Contains("Uneven"));
        Assert.IsType<ChatSucceeded>(chat.Received(B("NO-CARRIER"), S(1)).Result);
    }

    [Fact]
    public void Expect_already_in_the_buffer_from_earlier_reads_is_met_at_once()
    {
        var chat = Engine("\"\" AT OK \\c RING");
        chat.Start(S(0));
        var step = chat.Received(B("OK\r\nRING\r\n"), S(1));
        Assert.IsType<ChatSucceeded>(step.Result);
    }

    [Fact]
    public void Login_script_receives_dial_leftover()
    {
        var dial = Engine("CONNECT \\c \\n");
        dial.Start(S(0));
        var done = Assert.IsType<ChatSucceeded>(dial.Received(B("CONNECT 9600\r\nlogin: "), S(1)).Result);
        var login = Engine("ogin: \\U");
        var step = login.Start(S(1), done.Leftover.Span);
        Assert.Equal("isp1name\r", Text(step));
        Assert.IsType<ChatSucceeded>(step.Result);
    }

    [Fact]
    public void Empty_script_succeeds_immediately_and_exec_words_fail_cleanly()
    {
        Assert.IsType<ChatSucceeded>(new ChatEngine(ChatScript.Empty, ChatContext.None).Start(S(0)).Result);
        Assert.IsType<ChatFailed>(Engine("\"\" !date").Start(S(0)).Result);
    }

    [Fact]
    public void Random_input_never_throws_and_buffer_stays_bounded()
    {
        Gen.Byte.Array[0, 3000].Array[1, 6].Sample(chunks =>
        {
            var chat = Engine(SeedDial);
            chat.Start(S(0));
            var t = 0.0;
            foreach (var c in chunks)
            {
                t += 0.5;
                var step = chat.Received(c, S(t));
                if (step.Result is not null)
                    break;
                chat.TimerExpired(S(t));
            }
        }, iter: 300);
    }
}

public class DialAndLoginChatTests
{
    private static TimeSpan S(double s) => TimeSpan.FromSeconds(s);

    [Fact]
    public void Login_runs_after_dial_on_the_carried_bytes_and_phone_is_not_expanded_in_login()
    {
        var chat = new DialAndLoginChat(ChatScript.Parse("\"\" ATDT\\T CONNECT"), ChatScript.Parse("ogin: \\U\\T word: \\P"),
            new ChatContext("555", "me", "pw"));
        var step = chat.Start(S(0));
        Assert.Equal("ATDT555\r"u8.ToArray(), step.Writes.Single().ToArray());
        step = chat.Received("CONNECT 9600\r\nlogin: "u8, S(10));
        Assert.Equal(ChatPhase.Login, chat.Phase);
        Assert.Equal("me\r"u8.ToArray(), step.Writes.Single().ToArray());
        step = chat.Received("me\r\nPassword:"u8, S(11));
        Assert.Equal("pw\r"u8.ToArray(), step.Writes.Single().ToArray());
        Assert.IsType<ChatSucceeded>(chat.Result);
        Assert.Equal(ChatPhase.Done, chat.Phase);
    }

    [Fact]
    public void Failure_names_the_phase()
    {
        var chat = new DialAndLoginChat(ChatScript.Parse("ABORT BUSY \"\" ATDT CONNECT"), ChatScript.Empty, ChatContext.None);
        chat.Start(S(0));
        chat.Received("BUSY\r\n"u8, S(5));
        Assert.Equal("dial: aborted on BUSY after 5 s", chat.Describe());

        var login = new DialAndLoginChat(ChatScript.Empty, ChatScript.Parse("TIMEOUT 5 ogin:"), ChatContext.None);
        login.Start(S(0));
        login.TimerExpired(S(5));
        Assert.Equal("login: timed out waiting for ogin: after 5 s", login.Describe());
    }

    [Fact]
    public void Hdlc_flags_before_connect_are_ignored_and_random_scripts_never_throw()
    {
        var chat = new ChatEngine(ChatScript.Parse("ABORT NO\\sCARRIER CONNECT"), ChatContext.None);
        chat.Start(S(0));
        Assert.Null(chat.Received(new byte[] { 0x7E, 0xFF, 0x03, 0xC0, 0x21, 0x7E }, S(1)).Result);
        Assert.IsType<ChatSucceeded>(chat.Received("CONNECT"u8, S(2)).Result);

        CsCheck.Gen.String[CsCheck.Gen.Char["\\^\"- abcOKT0123456789ABORTIMEcdpPsnrtU!"], 0, 80]
            .Select(CsCheck.Gen.Byte.Array[0, 200])
            .Sample((script, input) =>
            {
                if (!ChatScript.TryParse(script, out var parsed, out _))
                    return;
                var e = new ChatEngine(parsed, new ChatContext("1", "u", "k"));
                e.Start(S(0));
                e.Received(input, S(1));
                e.TimerExpired(S(100));
                e.TimerExpired(S(1000));
            }, iter: 2000);
    }
}
