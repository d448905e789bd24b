using System.Text;
using Gateway.Emulation.Modem;

namespace Gateway.Tests.Emulation.Modem;

/// <summary>The emulator behind a real socat pseudo-terminal pair, driven through the other end.</summary>
public class NullModemIntegrationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private static async Task<string> ReadUntilAsync(Stream port, StringBuilder seen, string expected)
    {
        var buffer = new byte[1024];
        var deadline = Task.Delay(Patience);
        while (!seen.ToString().Contains(expected, StringComparison.Ordinal))
        {
            var read = port.ReadAsync(buffer).AsTask();
            if (await Task.WhenAny(read, deadline) == deadline)
                throw new TimeoutException($"waited for \"{expected}\", got \"{seen}\"");
            var n = await read;
            if (n == 0)
                throw new EndOfStreamException($"port closed; got \"{seen}\"");
            seen.Append(Encoding.Latin1.GetString(buffer, 0, n));
        }
        var text = seen.ToString();
        seen.Clear();
        return text;
    }

    [SkippableFact]
    public async Task Emulator_answers_at_commands_and_carries_data_over_a_socat_pty_pair()
    {
        Skip.If(NullModemCable.FindSocat(out var reason) is null, reason);

        var dir = Path.Combine(Path.GetTempPath(), "gw-nullmodem-" + Guid.NewGuid().ToString("N")[..8]);
        using var cable = await NullModemCable.StartAsync(dir);
        var line = new InMemoryLine();
        var directory = new ModemDirectory().Set("1234567", NumberBehaviour.Answer with { Delay = TimeSpan.FromMilliseconds(200) });
        var modem = new HayesModem(new ModemOptions(), directory, new Random(1));
        var answered = new TaskCompletionSource<string>();
        var answerer = new DelegateAnswerer((number, _, _) =>
        {
            answered.TrySetResult(number);
            return ValueTask.FromResult<Stream?>(line.ModemSide);
        });

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var modemPort = NullModemCable.OpenPort(cable.PortA);
        var host = new HayesModemHost(modem, modemPort, answerer);
        var running = host.RunAsync(cts.Token);
        try
        {
            using var computer = NullModemCable.OpenPort(cable.PortB);
            var seen = new StringBuilder();

            await computer.WriteAsync("AT\r"u8.ToArray());
            Assert.Contains("AT\r\r\nOK\r\n", await ReadUntilAsync(computer, seen, "OK\r\n"));

            await computer.WriteAsync("ATE0\r"u8.ToArray());
            await ReadUntilAsync(computer, seen, "OK\r\n");
            await computer.WriteAsync("ATDT1234567\r"u8.ToArray());
            Assert.Contains("CONNECT 115200", await ReadUntilAsync(computer, seen, "CONNECT 115200\r\n"));
            Assert.Equal("1234567", await answered.Task.WaitAsync(Patience));

            await computer.WriteAsync("\x7e\xff\x03 hello isp \x7e"u8.ToArray());
            var fromComputer = new StringBuilder();
            await ReadUntilAsync(line.RemoteSide, fromComputer, "hello isp");

            await line.RemoteSide.WriteAsync("hello gateway"u8.ToArray());
            await ReadUntilAsync(computer, seen, "hello gateway");

            line.RemoteSide.Dispose(); // the ISP hangs up
            await ReadUntilAsync(computer, seen, "NO CARRIER");
        }
        finally
        {
            await cts.CancelAsync();
            cable.Dispose(); // unblocks the pty reads
            await running.WaitAsync(Patience);
            modemPort.Dispose();
        }
        Assert.False(File.Exists(cable.PortA) || File.Exists(cable.PortB), "the pty links outlived the cable");
        Directory.Delete(dir);
    }

    /// <summary>
    /// <c>gateway modems</c>' modem: the computer opens the device, dials through it, closes it, and the modem is
    /// still there for the next open (as a modem stays on its port when ppp closes it); disposing it unplugs it.
    /// </summary>
    [SkippableFact]
    public async Task A_modem_on_a_pseudo_terminal_answers_again_after_the_computer_closed_its_device()
    {
        Skip.If(NullModemCable.FindSocat(out var reason) is null, reason);
        var dir = Directory.CreateTempSubdirectory("gw-ptymodem-").FullName;
        string device = Path.Combine(dir, "cuaa0");
        var exchange = new TelephoneExchange();
        var calls = new List<InMemoryLine>();
        Assert.True(exchange.TryConnect("555-0101", new DelegateAnswerer((_, _, _) =>
        {
            var line = new InMemoryLine();
            lock (calls)
                calls.Add(line);
            return ValueTask.FromResult<Stream?>(line.ModemSide);
        })));
        var modem = await PseudoTerminalModem.StartAsync(device, exchange.Directory(), exchange);
        try
        {
            for (int open = 1; open <= 2; open++)
            {
                using var computer = NullModemCable.OpenPort(device);
                var seen = new StringBuilder();
                await computer.WriteAsync("ATE0\r"u8.ToArray());
                await ReadUntilAsync(computer, seen, "OK\r\n");
                await computer.WriteAsync("ATDT5550101\r"u8.ToArray());
                await ReadUntilAsync(computer, seen, "CONNECT");
                lock (calls)
                    Assert.Equal(open, calls.Count);
                calls[^1].RemoteSide.Dispose(); // the ISP hangs up: the modem is back in command mode
                await ReadUntilAsync(computer, seen, "NO CARRIER");
            }
        }
        finally
        {
            await modem.DisposeAsync();
        }
        Assert.False(File.Exists(device), "the device outlived the modem");
        Directory.Delete(dir, recursive: true);
    }
}
